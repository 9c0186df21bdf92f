// The HTTP thread's handle on the engine worker: request ids, per-request sinks for tokens, embeddings and admin
// calls; a worker that dies fails every request in flight with an error and is started again.
import { Worker } from "node:worker_threads";
import { ApiError, fromWire } from "./errors.js";
import type { FromWorker, GenParams, ModelInfo, Prompt, TokenEvent, ToWorker } from "./protocol.js";
import type { Done } from "./engine.js";
import type { WorkerConfig } from "./worker.js";
import { log } from "../util/log.js";

export interface Sink {
  accepted(promptTokens: number): void;
  /** The request was refused before it started (bad prompt, context too long). */
  fail(e: ApiError): void;
  event(ev: TokenEvent): void;
  done(d: Done): void;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: ApiError): void;
}

const WORKER_URL = new URL("./worker.js", import.meta.url);

export class EngineClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly sinks = new Map<number, Sink>();
  private readonly pending = new Map<number, Pending>();
  private closing = false;
  info: ModelInfo | null = null;
  stats = { active: 0, queued: 0, kvUsed: 0 };
  /** Called on every "done" (metrics). */
  onDone: (d: Done) => void = () => {};
  onEvents: (list: TokenEvent[]) => void = () => {};

  constructor(private readonly cfg: WorkerConfig) {}

  /** Start the worker and wait until the model is loaded. */
  start(): Promise<ModelInfo> {
    return new Promise((resolve, reject) => {
      const w = new Worker(WORKER_URL, { workerData: this.cfg });
      this.worker = w;
      let ready = false;
      w.on("message", (m: FromWorker) => {
        if (m.t === "ready") {
          ready = true;
          this.info = m.info;
          resolve(m.info);
        } else this.onMessage(m);
      });
      w.on("error", (e) => {
        if (!ready) reject(e);
        else log.error(`engine worker failed: ${e.message}`);
      });
      w.on("exit", (code) => {
        if (this.worker === w) this.worker = null;
        if (!ready) reject(new Error(`the engine worker exited with code ${code} before it was ready`));
        else this.crashed(code);
      });
    });
  }

  /** Requests submitted and not finished. */
  get inflight(): number {
    return this.sinks.size;
  }

  private send(m: ToWorker): void {
    if (!this.worker) throw new ApiError(503, "service_unavailable", "the engine is not running");
    this.worker.postMessage(m);
  }

  submit(adapter: string | null, prompt: Prompt, params: GenParams, sink: Sink): number {
    const id = this.nextId++;
    this.sinks.set(id, sink);
    try {
      this.send({ t: "submit", id, adapter, prompt, params });
    } catch (e) {
      this.sinks.delete(id);
      throw e;
    }
    return id;
  }

  cancel(id: number): void {
    if (this.sinks.has(id) && this.worker) this.worker.postMessage({ t: "cancel", id } satisfies ToWorker);
  }

  private call<T>(make: (id: number) => ToWorker): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.send(make(id));
      } catch (e) {
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  embed(adapter: string | null, inputs: (string | number[])[]): Promise<{ vectors: Float32Array[]; tokens: number }> {
    return this.call((id) => ({ t: "embed", id, adapter, inputs }));
  }

  loadAdapter(name: string, path: string): Promise<ModelInfo> {
    return this.call<ModelInfo>((id) => ({ t: "adapter", id, name, path })).then((info) => (this.info = info));
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case "accepted": this.sinks.get(m.id)?.accepted(m.promptTokens); break;
      case "events":
        this.onEvents(m.list);
        for (const ev of m.list) this.sinks.get(ev.id)?.event(ev);
        break;
      case "done": this.finish(m); break;
      case "fail": {
        const sink = this.sinks.get(m.id);
        if (sink) {
          this.sinks.delete(m.id);
          sink.fail(fromWire(m.error));
        }
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.reject(fromWire(m.error));
        break;
      }
      case "embedded": this.settle(m.id, { vectors: m.vectors, tokens: m.tokens }); break;
      case "adapter-loaded": this.settle(m.id, m.info); break;
      case "stats": this.stats = { active: m.active, queued: m.queued, kvUsed: m.kvUsed }; break;
      case "ready": break;
    }
  }

  private settle(id: number, v: unknown): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    p?.resolve(v);
  }

  private finish(d: Done): void {
    const sink = this.sinks.get(d.id);
    this.sinks.delete(d.id);
    this.onDone(d);
    sink?.done(d);
  }

  private crashed(code: number): void {
    const msg = `the engine stopped (exit code ${code})`;
    for (const id of [...this.sinks.keys()]) this.finish({ id, finish: "error", promptTokens: 0, completionTokens: 0, error: msg });
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new ApiError(500, "server_error", msg));
    }
    this.stats = { active: 0, queued: 0, kvUsed: 0 };
    if (this.closing) return;
    log.error(`${msg}; restarting it`);
    this.start().catch((e: Error) => log.error(`the engine could not restart: ${e.message}`));
  }

  /** Cancel everything in flight and stop the worker. */
  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once("exit", () => r()));
    w.postMessage({ t: "shutdown" } satisfies ToWorker);
    const timer = setTimeout(() => void w.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}
