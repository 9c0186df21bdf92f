// Synchronous, bounded template rendering: a worker thread renders while the caller blocks in Atomics.wait with a
// deadline; a render past its deadline gets its worker terminated (a fresh one starts on the next call).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { ArgumentError, UnsupportedError } from "../util/errors.js";
import type { RenderJob, RenderReply } from "./render-worker.js";
import { TemplateError, TemplateLimitError } from "./types.js";

const OP = "chat-template";
/** Time a fresh worker gets to load the template engine (not counted against a render's limit). */
const BOOT_MS = 10_000;
const WORKER_URL = new URL("./render-worker.js", import.meta.url);
/** Heap of the worker: a template that allocates more dies instead of taking the process with it. */
const WORKER_HEAP_MB = 256;

let worker: Worker | null = null;

function call(job: Omit<RenderJob, "flag" | "port">, timeoutMs: number): RenderReply | null {
  const w = worker!;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  try {
    w.postMessage({ ...job, flag, port: port2 }, [port2]);
  } catch (e) {
    port1.close();
    throw new ArgumentError(OP, `messages, tools and extra must be plain data (JSON-like): ${(e as Error).message}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (let left = timeoutMs; Atomics.load(flag, 0) === 0 && left > 0; left = deadline - Date.now()) {
    Atomics.wait(flag, 0, 0, left);
  }
  const msg = receiveMessageOnPort(port1);
  port1.close();
  return msg ? (msg.message as RenderReply) : null;
}

function ensureWorker(): void {
  if (worker) return;
  if (!existsSync(fileURLToPath(WORKER_URL))) throw new UnsupportedError(OP, `the template worker ${fileURLToPath(WORKER_URL)} is missing (build weft first)`);
  const w = new Worker(WORKER_URL, {
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  w.unref();
  w.on("error", () => {
    if (worker === w) worker = null;
  });
  w.on("exit", () => {
    if (worker === w) worker = null;
  });
  worker = w;
  if (!call({ kind: "ping" }, BOOT_MS)) {
    kill();
    throw new TemplateLimitError(OP, "time", `the template worker did not start within ${BOOT_MS} ms`);
  }
}

function kill(): void {
  const w = worker;
  worker = null;
  if (w) void w.terminate();
}

/** Render `template` with `context` in the sandbox; throws TemplateError or TemplateLimitError. */
export function renderInSandbox(template: string, context: Record<string, unknown>, timeLimitMs: number, maxChars: number): string {
  ensureWorker();
  const reply = call({ kind: "render", template, context, maxChars }, timeLimitMs);
  if (reply === null) {
    kill();
    throw new TemplateLimitError(OP, "time", `rendering did not finish within ${timeLimitMs} ms (or the renderer ran out of its ${WORKER_HEAP_MB} MB heap); it was stopped`);
  }
  if (reply.ok) return reply.text;
  if (reply.kind === "size") {
    throw new TemplateLimitError(OP, "size", `the rendered prompt has ${reply.chars} characters, more than the limit of ${maxChars}`);
  }
  throw new TemplateError(OP, `${reply.kind === "syntax" ? "template does not parse" : "template failed"}: ${reply.message}`);
}

/** Stop the render worker (it is restarted on demand); lets tests and short scripts end promptly. */
export function closeRenderSandbox(): void {
  kill();
}
