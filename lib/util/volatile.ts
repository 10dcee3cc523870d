/**
 * Output that changes from one run to the next (progress bars, timings, how
 * many stored runs were reused): shown live, never committed. In a Jupyter
 * kernel it is a display whose `display_id` is updated in place and whose
 * metadata marks it volatile, so `deno task render-all` prints it in the
 * terminal and leaves it out of the notebook it writes (a second render with
 * nothing changed then changes no file). Elsewhere it is a plain line.
 *
 * @module
 */

/** The metadata that marks a notebook output as volatile. */
export const VOLATILE_METADATA = { collapse: { volatile: true } } as const;

const shown = new Set<string>();

type Jupyter = { broadcast(type: string, content: Record<string, unknown>): Promise<void> };

/**
 * Shows `text`: in a notebook, as the display `id` (replacing what that
 * display showed before); elsewhere, printed as a line.
 */
export async function showVolatile(text: string, options: { id: string }): Promise<void> {
  const jupyter = jupyterKernel();
  if (!jupyter) {
    console.log(text);
    return;
  }
  const type = shown.has(options.id) ? "update_display_data" : "display_data";
  shown.add(options.id);
  await jupyter.broadcast(type, {
    data: { "text/plain": text },
    metadata: VOLATILE_METADATA,
    transient: { display_id: options.id },
  });
}

/** `Deno.jupyter` inside the Jupyter kernel, else undefined (elsewhere the property exists but throws). */
function jupyterKernel(): Jupyter | undefined {
  try {
    return (Deno as unknown as { jupyter?: Jupyter }).jupyter;
  } catch {
    return undefined;
  }
}

/** Whether a notebook output carries the volatile mark. */
export function isVolatile(output: object): boolean {
  const metadata = (output as { metadata?: { collapse?: { volatile?: boolean } } }).metadata;
  return metadata?.collapse?.volatile === true;
}
