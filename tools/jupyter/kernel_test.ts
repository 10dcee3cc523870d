import assert from "node:assert/strict";
import { Kernel, killKernels } from "./kernel.ts";
import { type JupyterMessage, newMessage } from "./wire.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("kernel: a real Deno kernel starts, answers on shell, publishes on IOPub, and shuts down", async () => {
  const published: JupyterMessage[] = [];
  const kernel = await Kernel.start({ cwd: Deno.cwd(), onIopub: (m) => published.push(m) });
  try {
    assert.equal(kernel.languageInfo.name, "typescript");
    assert(await exists(`${kernel.dir}/kernel.json`));
    const info = JSON.parse(await Deno.readTextFile(`${kernel.dir}/kernel.json`));
    assert.equal(info.key, kernel.key);
    assert.equal(info.signature_scheme, "hmac-sha256");

    const request = newMessage("kernel_info_request", kernel.session, {});
    const reply = await kernel.request("shell", request, { timeoutMs: 10_000 });
    assert.equal(reply.header.msg_type, "kernel_info_reply");
    assert.equal(reply.parent_header.msg_id, request.header.msg_id);
    const states = (): unknown[] =>
      published.filter((m) => m.parent_header.msg_id === request.header.msg_id && m.header.msg_type === "status")
        .map((m) => m.content.execution_state);
    for (let i = 0; i < 40 && !states().includes("idle"); i++) await new Promise((done) => setTimeout(done, 50));
    assert.deepEqual(states(), ["busy", "idle"]);
  } finally {
    await kernel.shutdown();
  }
  const status = await kernel.process.status;
  assert.equal(status.signal, null, "it exited on its shutdown_request, not killed");
  assert(!await exists(kernel.dir), "the connection file's folder is removed");
});

Deno.test("kernel: killKernels kills a running kernel, and a pending request then fails", async () => {
  const kernel = await Kernel.start({ cwd: Deno.cwd() });
  try {
    const request = newMessage("execute_request", kernel.session, {
      code: "await new Promise((done) => setTimeout(done, 60_000))",
      silent: false,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
    });
    const pending = kernel.request("shell", request);
    await new Promise((done) => setTimeout(done, 200));
    killKernels();
    await assert.rejects(() => pending, /the kernel exited/);
    assert.equal((await kernel.process.status).signal, "SIGKILL");
  } finally {
    await kernel.shutdown();
  }
});

Deno.test("kernel: a start-up timeout is reported as such", async () => {
  const started = Date.now();
  await assert.rejects(
    () => Kernel.start({ cwd: Deno.cwd(), startupTimeoutMs: 1 }),
    /kernel did not start: .*start-up timeout/,
  );
  assert(Date.now() - started < 30_000);
});
