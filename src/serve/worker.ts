// Engine worker thread: loads the model and adapters, then loops engine steps, posting tokens per step, so the HTTP
// thread never computes. Messages between steps (submit, cancel, embed, adapter) are handled as they arrive.
import { parentPort, workerData } from "node:worker_threads";
import { statSync } from "node:fs";
import { load } from "../load/index.js";
import { resolveModelPath } from "../load/hf-cache.js";
import { setThreads } from "../backend/registry.js";
import { chatTemplateFromGgufMetadata, chatTemplateFromHfFolder, closeRenderSandbox } from "../chat/index.js";
import { ApiError, toWire } from "./errors.js";
import { Engine, type EngineOptions } from "./engine.js";
import { loadAdapter } from "./routed-lora.js";
import type { FromWorker, ModelInfo, ToWorker } from "./protocol.js";

export interface WorkerConfig extends Omit<EngineOptions, "ctx"> {
  model: string;
  name: string;
  ctx: number | null;
  threads: number | null;
  adapters: { name: string; path: string }[];
}

const port = parentPort!;
const cfg = workerData as WorkerConfig;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const adapters: ModelInfo["adapters"] = [];
let engine: Engine;
let stopping = false;
let wake: (() => void) | null = null;

function templateFor(spec: string, l: ReturnType<typeof load>): string | null {
  if (l.gguf) return chatTemplateFromGgufMetadata(l.gguf.metadata as Map<string, unknown>);
  try {
    const path = resolveModelPath(spec);
    return statSync(path).isDirectory() ? chatTemplateFromHfFolder(path) : null;
  } catch {
    return null;
  }
}

function info(): ModelInfo {
  const c = engine.model.config;
  return { name: cfg.name, ctx: engine.opts.ctx, vocabSize: c.vocabSize, dim: c.dim, arch: c.arch, parallel: engine.opts.parallel, adapters: [...adapters],
    hasChatTemplate: engine.template !== null };
}

function addAdapter(name: string, path: string): void {
  if (adapters.some((a) => a.name === name)) throw new ApiError(400, "invalid_request_error", `an adapter named '${name}' is already loaded`, "name");
  const a = loadAdapter(engine.model, engine.router, name, path);
  if (a.kind === "soft-prompt") engine.prefixes.set(name, a.prefix);
  adapters.push({ name, kind: a.kind });
}

function asWire(e: unknown) {
  if (e instanceof ApiError) return toWire(e);
  return toWire(new ApiError(400, "invalid_request_error", (e as Error).message));
}

function handle(m: ToWorker): void {
  switch (m.t) {
    case "submit":
      try {
        post({ t: "accepted", id: m.id, promptTokens: engine.submit(m.id, m.adapter, m.prompt, m.params) });
      } catch (e) {
        post({ t: "fail", id: m.id, error: asWire(e) });
      }
      break;
    case "cancel": {
      const d = engine.cancel(m.id);
      if (d) post({ t: "done", ...d });
      break;
    }
    case "embed":
      try {
        const r = engine.embed(m.inputs, m.adapter);
        post({ t: "embedded", id: m.id, ...r }, r.vectors.map((v) => v.buffer as ArrayBuffer));
      } catch (e) {
        post({ t: "fail", id: m.id, error: asWire(e) });
      }
      break;
    case "adapter":
      try {
        addAdapter(m.name, m.path);
        post({ t: "adapter-loaded", id: m.id, info: info() });
      } catch (e) {
        post({ t: "fail", id: m.id, error: asWire(e) });
      }
      break;
    case "shutdown":
      stopping = true;
      for (const d of engine.cancelAll()) post({ t: "done", ...d });
      break;
  }
  wake?.();
}

async function loop(): Promise<void> {
  let lastStats = 0;
  while (!stopping) {
    if (!engine.busy) {
      post({ t: "stats", ...engine.stats });
      await new Promise<void>((r) => (wake = r));
      wake = null;
      continue;
    }
    const r = engine.step();
    if (r.events.length > 0) post({ t: "events", list: r.events });
    for (const d of r.done) post({ t: "done", ...d });
    if (Date.now() - lastStats > 200) {
      lastStats = Date.now();
      post({ t: "stats", ...engine.stats });
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  closeRenderSandbox();
  port.close();
}

function start(): void {
  if (cfg.threads) setThreads(cfg.threads);
  const l = load(cfg.model);
  if (!l.tokenizer) throw new Error(`${cfg.model} has no tokenizer; the server needs one`);
  const ctx = Math.min(cfg.ctx ?? Math.min(l.config.contextLength, 4096), l.config.contextLength);
  engine = new Engine(l.model, l.tokenizer, templateFor(cfg.model, l), { parallel: cfg.parallel, ctx, batchTokens: cfg.batchTokens, failAfterTokens: cfg.failAfterTokens });
  for (const a of cfg.adapters) addAdapter(a.name, a.path);
  port.on("message", handle);
  post({ t: "ready", info: info() });
  void loop();
}

start();
