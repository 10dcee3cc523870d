/// <reference lib="dom" />
/**
 * A chart slot of the page: vega-embed draws the project's vega-lite specs
 * (figure.ts), the latest spec wins (specs that arrive while one is being
 * drawn replace each other, so a burst of finished runs costs one redraw),
 * and the drawn view stays readable (the tests read its data).
 *
 * Tests: explore/browser_test.ts (the page in headless Chromium).
 *
 * @module
 */

import embed, { type Result } from "vega-embed";
import type { VegaLiteSpec } from "../../lib/plot/spec.ts";

const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** One chart slot. */
export class ChartSlot {
  readonly #element: HTMLElement;
  readonly #renderer: "svg" | "canvas";
  #result: Result | undefined;
  #waiting: VegaLiteSpec | undefined;
  #drawing: Promise<void> | undefined;
  /** Specs drawn so far. */
  draws = 0;

  /** A slot drawing into `element`. */
  constructor(element: HTMLElement, renderer: "svg" | "canvas" = "svg") {
    this.#element = element;
    this.#renderer = renderer;
  }

  /** The drawn view, if any. */
  get view(): Result["view"] | undefined {
    return this.#result?.view;
  }

  /** Draws `spec` (after the draw in progress, replacing any spec still waiting); resolves once drawn. */
  draw(spec: VegaLiteSpec): Promise<void> {
    this.#waiting = spec;
    this.#drawing ??= this.#drain().finally(() => {
      this.#drawing = undefined;
    });
    return this.#drawing;
  }

  /** Removes the chart. */
  clear(): void {
    this.#waiting = undefined;
    this.#result?.finalize();
    this.#result = undefined;
    this.#element.replaceChildren();
  }

  async #drain(): Promise<void> {
    while (this.#waiting) {
      const spec = this.#waiting;
      this.#waiting = undefined;
      const previous = this.#result;
      // The specs say vega-lite 5 (JupyterLab's renderer draws them in the notebooks); this page's vega-lite 6
      // draws them the same, so say 6 rather than have vega-embed warn at every draw.
      const current = { ...spec, $schema: VEGA_LITE_SCHEMA } as Parameters<typeof embed>[1];
      // The page is offline: no editor link; export to PNG/SVG stays.
      this.#result = await embed(this.#element, current, {
        renderer: this.#renderer,
        actions: { export: true, source: false, compiled: false, editor: false },
      });
      previous?.finalize();
      this.draws++;
    }
  }
}
