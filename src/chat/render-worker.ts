// Worker thread that renders chat templates with @huggingface/jinja; the main thread waits on it with a time limit.
import { Template } from "@huggingface/jinja";
import { parentPort } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";

/** A request from sandbox.ts. */
export interface RenderJob {
  kind: "render" | "ping";
  template?: string;
  context?: Record<string, unknown>;
  maxChars?: number;
  flag: Int32Array;
  port: MessagePort;
}

/** The answer posted on the job's port. */
export type RenderReply =
  | { ok: true; text: string }
  | { ok: false; kind: "syntax" | "runtime" | "size"; message: string; chars?: number };

const CACHE_SIZE = 8;
const cache = new Map<string, Template>();

function compile(src: string): Template {
  let t = cache.get(src);
  if (t) return t;
  t = new Template(src);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(src, t);
  return t;
}

function run(job: RenderJob): RenderReply {
  let t: Template;
  try {
    t = compile(job.template!);
  } catch (e) {
    return { ok: false, kind: "syntax", message: (e as Error).message };
  }
  let text: string;
  try {
    text = t.render(job.context);
  } catch (e) {
    return { ok: false, kind: "runtime", message: (e as Error).message };
  }
  if (text.length > job.maxChars!) return { ok: false, kind: "size", message: "output too large", chars: text.length };
  return { ok: true, text };
}

parentPort!.on("message", (job: RenderJob) => {
  const reply: RenderReply = job.kind === "ping" ? { ok: true, text: "" } : run(job);
  job.port.postMessage(reply);
  job.port.close();
  Atomics.store(job.flag, 0, 1);
  Atomics.notify(job.flag, 0);
});
