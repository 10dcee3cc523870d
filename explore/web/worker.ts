/**
 * The page's Web Worker: imports the experiment registry (the same modules
 * the notebooks run) and answers the page's requests one at a time.
 *
 * Tests: explore/browser_test.ts (the page in headless Chromium).
 *
 * @module
 */

import { EXPERIMENTS } from "../../lib/experiments/mod.ts";
import { answer, type WorkerReply, type WorkerRequest } from "../protocol.ts";

/** The part of a worker's global scope used here (typed locally: this file is checked without the webworker lib). */
interface WorkerScope {
  onmessage: ((event: { data: WorkerRequest }) => void) | null;
  postMessage(message: WorkerReply): void;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = async ({ data }) => scope.postMessage(await answer(data, EXPERIMENTS));
