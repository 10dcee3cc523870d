/// <reference lib="dom" />
/**
 * The page's controls as elements: the family menu, the workflow
 * checkboxes, the seeds box and one control per field (controls.ts), each
 * checked by its field before the state changes; a value the field refuses
 * is marked and explained next to its box, and nothing runs.
 *
 * Tests: explore/browser_test.ts (the page in headless Chromium).
 *
 * @module
 */

import type { Experiment } from "../../lib/experiments/define.ts";
import type { Value } from "../../lib/experiments/fields.ts";
import { controlsFor, type ControlSpec, workflowChoices } from "../controls.ts";
import { type ExplorerState, MAX_SEEDS, parseValue, type Registry } from "../state.ts";
import { unexplorableReason, viewOf } from "../views.ts";

/** What a control asks for: a new family, or a state with one value changed. */
export type FormChange = { experiment: string } | { state: ExplorerState };

/** A new `tag` element with `props` set, `dataset` entries and `children` appended. */
function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Omit<HTMLElementTagNameMap[K], "children">> & {
    dataset?: Record<string, string>;
    children?: (Node | string)[];
  } = {},
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  const { dataset, children = [], ...rest } = props;
  Object.assign(el, rest);
  for (const [k, v] of Object.entries(dataset ?? {})) el.dataset[k] = v;
  el.append(...children);
  return el;
}

/** Fills the family menu: every registered experiment, those the page cannot run disabled with the reason. */
export function renderFamilies(select: HTMLSelectElement, options: { registry: Registry; current: string }): void {
  const { registry, current } = options;
  select.replaceChildren(
    ...Object.values(registry).map((e) => {
      const reason = unexplorableReason(e);
      const label = viewOf(e.name).label ?? e.name;
      return element("option", {
        value: e.name,
        textContent: reason ? `${label} (not in the browser)` : label,
        title: reason ?? e.description,
        disabled: reason !== undefined,
        selected: e.name === current,
      });
    }),
  );
}

/** Renders the workflows, seeds and field controls of `state` into `container`; edits call `onChange`. */
export function renderForm(
  container: HTMLElement,
  options: { experiment: Experiment; state: ExplorerState; onChange: (change: FormChange) => void },
): void {
  const { experiment, state, onChange } = options;
  const blocks: HTMLElement[] = [];
  const choices = workflowChoices(experiment, state);
  if (choices.length > 0) {
    const boxes = choices.map(({ workflow, on }) => {
      const box = element("input", { type: "checkbox", checked: on, value: workflow, dataset: { workflow } });
      box.addEventListener("change", () => {
        const workflows = choices.map((c) => c.workflow).filter((w) =>
          (container.querySelector(`input[data-workflow="${w}"]`) as HTMLInputElement).checked
        );
        onChange({ state: { ...state, workflows } });
      });
      return element("label", { className: "check", children: [box, ` ${workflow}`] });
    });
    const legend = element("legend", { textContent: "workflows" });
    blocks.push(element("fieldset", { id: "workflows", children: [legend, ...boxes] }));
  }
  blocks.push(field({
    name: "seeds",
    input: element("input", {
      type: "text",
      inputMode: "numeric",
      value: String(state.seeds),
      dataset: { field: "seeds" },
    }),
    doc: "runs use seeds 0 .. seeds − 1, as the notebooks' grids",
    parse: (text) => {
      const seeds = Number(text);
      return Number.isInteger(seeds) && seeds >= 1 && seeds <= MAX_SEEDS
        ? { state: { ...state, seeds } }
        : { error: `seeds must be an integer in [1, ${MAX_SEEDS}], got "${text}"` };
    },
    onChange,
  }));
  for (const spec of controlsFor(experiment, state)) blocks.push(fieldControl(spec, options));
  container.replaceChildren(...blocks);
}

/** The labelled control of one field, checked by the field when it changes. */
function fieldControl(
  spec: ControlSpec,
  options: { experiment: Experiment; state: ExplorerState; onChange: (change: FormChange) => void },
): HTMLElement {
  const { experiment, state, onChange } = options;
  const declared = experiment.fields[spec.name];
  let input: HTMLInputElement | HTMLSelectElement;
  if (spec.kind === "menu") {
    input = element("select", {
      dataset: { field: spec.name },
      children: spec.options.map((o) =>
        element("option", {
          value: o,
          textContent: o === "" ? (spec.derived ? "(derived per run)" : "(none)") : o,
          selected: o === spec.text,
        })
      ),
    });
  } else {
    const listId = `suggest-${spec.name}`;
    input = element("input", { type: "text", value: spec.text, dataset: { field: spec.name } });
    input.setAttribute("list", listId);
    const suggestions = spec.suggestions.map((s) => element("option", { value: s }));
    const datalist = element("datalist", { id: listId, children: suggestions });
    const wrapper = field({ name: spec.name, input, doc: spec.doc, title: spec.allowed, parse, onChange });
    wrapper.append(datalist);
    return wrapper;
  }
  return field({ name: spec.name, input, doc: spec.doc, title: spec.allowed, parse, onChange });

  function parse(text: string): FormChange | { error: string } {
    if (spec.kind === "list") {
      const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (parts.length === 0) return { error: `${spec.name}: give at least one value` };
      const sizes: number[] = [];
      for (const part of parts) {
        const parsed = parseValue(part, { name: spec.name, field: declared });
        if ("error" in parsed) return parsed;
        sizes.push(parsed.value as number);
      }
      return { state: { ...state, sizes } };
    }
    const values: Record<string, Value> = { ...state.values };
    if (text === "") {
      delete values[spec.name];
      return { state: { ...state, values } };
    }
    const parsed = parseValue(text, { name: spec.name, field: declared });
    if ("error" in parsed) return parsed;
    values[spec.name] = parsed.value;
    return { state: { ...state, values } };
  }
}

/** A labelled input that checks its text with `parse` on change, marking and explaining a refused value. */
function field(options: {
  name: string;
  input: HTMLInputElement | HTMLSelectElement;
  doc: string;
  title?: string;
  parse: (text: string) => FormChange | { error: string };
  onChange: (change: FormChange) => void;
}): HTMLElement {
  const { name, input, doc, parse, onChange } = options;
  const message = element("span", { className: "error" });
  input.id = `field-${name}`;
  input.title = options.title ?? doc;
  input.addEventListener("change", () => {
    const result = parse(input.value);
    if ("error" in result) {
      input.setAttribute("aria-invalid", "true");
      message.textContent = result.error;
      return;
    }
    input.removeAttribute("aria-invalid");
    message.textContent = "";
    onChange(result);
  });
  const label = element("label", { htmlFor: input.id, textContent: name });
  return element("div", {
    className: "field",
    children: [label, input, element("small", { textContent: doc }), message],
  });
}
