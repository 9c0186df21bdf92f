// The OpenAI-compatible HTTP server: routes, auth, CORS, limits, admission (429), metrics, playground, and a clean
// shutdown that drains in-flight requests and then cancels what is left.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, extname } from "node:path";
import { ApiError, badRequest } from "./errors.js";
import { ArgumentError } from "../util/errors.js";
import { applyCors, authorized, preflight, readJson, sendError, sendJson } from "./http-util.js";
import { EngineClient } from "./engine-client.js";
import { Metrics } from "./metrics.js";
import { runGeneration, type Kind } from "./generation.js";
import { parseChat, parseCompletion, parseEmbeddings, requireObject } from "./validate.js";
import { serveStatic } from "./static.js";
import type { ModelInfo } from "./protocol.js";

export interface ServeOptions {
  /** Model spec for load(): GGUF file, HF folder or hf:ORG/REPO. */
  model: string;
  /** Model id clients use (default: the file name without extension). */
  name?: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  apiKey?: string | null;
  parallel?: number;
  ctx?: number | null;
  threads?: number | null;
  adapters?: { name: string; path: string }[];
  /** Tokens per engine step (decode tokens + prompt chunks). */
  batchTokens?: number;
  /** Requests waiting beyond the parallel slots before 429. */
  maxQueue?: number;
  maxBodyBytes?: number;
  corsOrigins?: string[];
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Socket inactivity limit. */
  idleTimeoutMs?: number;
  /** How long shutdown waits for requests in flight before cancelling them. */
  drainMs?: number;
  /** Testing aid: every sequence fails after this many tokens. */
  failAfterTokens?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  info: ModelInfo;
  server: Server;
  engine: EngineClient;
  /** Stop accepting, let requests finish for up to drainMs, cancel the rest, stop the engine. */
  close(drainMs?: number): Promise<void>;
}

interface State {
  o: Required<Omit<ServeOptions, "apiKey" | "ctx" | "threads" | "name" | "failAfterTokens">> & ServeOptions;
  engine: EngineClient;
  metrics: Metrics;
  draining: boolean;
}

export function defaultName(model: string): string {
  const b = basename(model.replace(/[/\\]+$/, ""));
  return b.slice(0, b.length - extname(b).length) || b;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const o = {
    host: "127.0.0.1", port: 8080, parallel: 4, adapters: [], batchTokens: 256, maxQueue: 64, maxBodyBytes: 1 << 20, corsOrigins: [],
    headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 300_000, drainMs: 10_000,
    ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
  } as unknown as State["o"];
  const name = opts.name ?? defaultName(opts.model);
  const engine = new EngineClient({ model: o.model, name, ctx: o.ctx ?? null, threads: o.threads ?? null, adapters: o.adapters, parallel: o.parallel,
    batchTokens: o.batchTokens, failAfterTokens: o.failAfterTokens });
  const info = await engine.start();
  const st: State = { o, engine, metrics: new Metrics(), draining: false };
  const server = createServer({ headersTimeout: o.headersTimeoutMs, requestTimeout: o.requestTimeoutMs, keepAliveTimeout: o.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(o.headersTimeoutMs / 4))) }, (req, res) => {
    handle(st, req, res).catch((e: Error) => {
      const err = e instanceof ApiError ? e : new ApiError(500, "server_error", e.message);
      st.metrics.request(routeOf(req), err.status);
      const headers: Record<string, string> = err.status === 413 ? { connection: "close" } : err.status === 429 ? { "retry-after": "1" } : {};
      sendError(res, err, headers);
      if (err.status === 413) res.on("finish", () => req.destroy());
    });
  });
  server.setTimeout(o.idleTimeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => resolve());
    });
  } catch (e) {
    await engine.close();
    const err = e as NodeJS.ErrnoException;
    throw err.code === "EADDRINUSE" || err.code === "EACCES" ? new ArgumentError("serve", `cannot listen on ${o.host}:${o.port}: ${err.code}`) : e;
  }
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return { url: `http://${host}:${port}`, port, info, server, engine, close: (ms) => shutdown(st, server, ms ?? o.drainMs) };
}

async function shutdown(st: State, server: Server, drainMs: number): Promise<void> {
  st.draining = true;
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  const deadline = Date.now() + drainMs;
  while (st.engine.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await st.engine.close();
  await new Promise((r) => setTimeout(r, 50)); // let final SSE chunks flush
  server.closeAllConnections();
  await closed;
}

function routeOf(req: IncomingMessage): string {
  const p = (req.url ?? "/").split("?")[0]!;
  return p.startsWith("/v1/models/") ? "/v1/models/:id" : p.length > 64 ? "other" : p;
}

async function handle(st: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0]!;
  const method = req.method ?? "GET";
  const route = routeOf(req);
  const corsOk = applyCors(req, res, st.o.corsOrigins);
  if (method === "OPTIONS") return preflight(res, corsOk);
  if (path === "/health") {
    const busy = st.engine.stats;
    const body = { status: st.draining ? "draining" : "ok", model: st.engine.info?.name, slots: st.o.parallel, active: busy.active, queued: busy.queued };
    st.metrics.request(route, st.draining ? 503 : 200);
    return sendJson(res, st.draining ? 503 : 200, body);
  }
  if (method === "GET" && serveStatic(path, res)) return;
  if (st.o.apiKey && !authorized(req.headers.authorization, st.o.apiKey)) {
    throw new ApiError(401, "authentication_error", "Incorrect API key provided. Send it as 'Authorization: Bearer KEY'.", null, "invalid_api_key");
  }
  if (st.draining) throw new ApiError(503, "service_unavailable", "the server is shutting down");
  const status = await dispatch(st, method, path, req, res);
  if (status !== null) st.metrics.request(route, status);
}

/** Route an authenticated request; returns the status written, or null when the response finishes later. */
async function dispatch(st: State, method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<number | null> {
  const info = st.engine.info!;
  if (method === "GET" && path === "/metrics") {
    const s = st.engine.stats;
    const body = st.metrics.render({ ...s, inflight: st.engine.inflight, slots: st.o.parallel });
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(body);
    return 200;
  }
  if (method === "GET" && (path === "/v1/models" || path.startsWith("/v1/models/"))) return models(st, path, res);
  if (path === "/v1/adapters") return adapters(st, method, req, res);
  if (method !== "POST") throw new ApiError(404, "not_found_error", `no route for ${method} ${path}`, null, "unknown_url");
  if (path === "/v1/chat/completions" || path === "/v1/completions") {
    const kind: Kind = path === "/v1/chat/completions" ? "chat" : "completion";
    const body = await readJson(req, st.o.maxBodyBytes);
    const g = kind === "chat" ? parseChat(body, info.vocabSize) : parseCompletion(body, info.vocabSize);
    const { adapter, id } = resolveModel(st, g.model);
    admit(st);
    runGeneration(kind, g, adapter, id, res, { engine: st.engine, metrics: st.metrics, onEnd: (s) => st.metrics.request(path, s) });
    return null;
  }
  if (path === "/v1/embeddings") return embeddings(st, req, res);
  throw new ApiError(404, "not_found_error", `no route for ${method} ${path}`, null, "unknown_url");
}

function admit(st: State): void {
  if (st.engine.inflight < st.o.parallel + st.o.maxQueue) return;
  const e = new ApiError(429, "rate_limit_error", `the server is at capacity (${st.o.parallel} running, ${st.o.maxQueue} queued); retry shortly`,
    null, "queue_full");
  throw e;
}

/** "NAME" or "NAME:ADAPTER" -> the adapter; 404 for unknown names. A missing model means the base model. */
function resolveModel(st: State, model: string | null): { adapter: string | null; id: string } {
  const info = st.engine.info!;
  if (model === null || model === info.name) return { adapter: null, id: info.name };
  const i = model.indexOf(":");
  const base = i < 0 ? model : model.slice(0, i), adapter = i < 0 ? "" : model.slice(i + 1);
  if (base === info.name && info.adapters.some((a) => a.name === adapter)) return { adapter, id: model };
  throw new ApiError(404, "invalid_request_error", `The model '${model}' does not exist`, "model", "model_not_found");
}

function models(st: State, path: string, res: ServerResponse): number {
  const info = st.engine.info!;
  const ids = [info.name, ...info.adapters.map((a) => `${info.name}:${a.name}`)];
  const entry = (id: string) => ({ id, object: "model", created: 0, owned_by: "weft", meta: { ctx: info.ctx, vocab: info.vocabSize, dim: info.dim, arch: info.arch } });
  if (path === "/v1/models") {
    sendJson(res, 200, { object: "list", data: ids.map(entry) });
    return 200;
  }
  const id = decodeURIComponent(path.slice("/v1/models/".length));
  if (!ids.includes(id)) throw new ApiError(404, "invalid_request_error", `The model '${id}' does not exist`, "model", "model_not_found");
  sendJson(res, 200, entry(id));
  return 200;
}

async function adapters(st: State, method: string, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const info = st.engine.info!;
  if (method === "GET") {
    sendJson(res, 200, { object: "list", data: info.adapters.map((a) => ({ id: `${info.name}:${a.name}`, name: a.name, kind: a.kind })) });
    return 200;
  }
  if (method !== "POST") throw new ApiError(404, "not_found_error", `no route for ${method} /v1/adapters`);
  const local = ["127.0.0.1", "::1", "::ffff:127.0.0.1"].includes(req.socket.remoteAddress ?? "");
  if (!st.o.apiKey && !local) throw new ApiError(403, "permission_error", "loading adapters needs --api-key (or a loopback client)");
  const b = requireObject(await readJson(req, st.o.maxBodyBytes));
  if (typeof b.name !== "string" || !/^[\w.-]{1,64}$/.test(b.name)) throw badRequest("'name' must be 1-64 letters, digits, '_', '.', '-'", "name");
  if (typeof b.path !== "string" || b.path === "") throw badRequest("'path' must be a file or folder on the server", "path");
  const next = await st.engine.loadAdapter(b.name, b.path);
  sendJson(res, 200, { id: `${next.name}:${b.name}`, name: b.name, kind: next.adapters.find((a) => a.name === b.name)?.kind });
  return 200;
}

async function embeddings(st: State, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const info = st.engine.info!;
  const e = parseEmbeddings(await readJson(req, st.o.maxBodyBytes), info.dim);
  const { adapter, id } = resolveModel(st, e.model);
  const r = await st.engine.embed(adapter, e.inputs);
  const data = r.vectors.map((v, index) => {
    let x = e.dimensions ? v.slice(0, e.dimensions) : v;
    if (e.dimensions) {
      const n = Math.sqrt(x.reduce((s, y) => s + y * y, 0)) || 1;
      x = x.map((y) => y / n);
    }
    const embedding = e.base64 ? Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString("base64") : Array.from(x);
    return { object: "embedding", index, embedding };
  });
  sendJson(res, 200, { object: "list", data, model: id, usage: { prompt_tokens: r.tokens, total_tokens: r.tokens } });
  return 200;
}
