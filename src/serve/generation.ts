// One chat or completion request end to end: submit to the engine, then stream SSE chunks or answer one JSON body,
// in OpenAI's shapes (usage, finish_reason, logprobs); a client that goes away cancels its sequence.
import type { ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { ApiError } from "./errors.js";
import { sendError, sendJson, SseWriter } from "./http-util.js";
import type { EngineClient } from "./engine-client.js";
import type { Done } from "./engine.js";
import type { Metrics } from "./metrics.js";
import type { TokenEvent, TokenLogprob } from "./protocol.js";
import type { GenRequest } from "./validate.js";

export type Kind = "chat" | "completion";

export interface GenContext {
  engine: EngineClient;
  metrics: Metrics;
  /** Called when the request ends (metrics for its route). */
  onEnd(status: number): void;
}

const chatLp = (l: TokenLogprob) => ({ token: l.token, logprob: l.logprob, bytes: l.bytes,
  top_logprobs: l.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes })) });
const topMap = (l: TokenLogprob) => Object.fromEntries(l.top.map((t) => [t.token, t.logprob]));

class Generation {
  private readonly id: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly t0 = performance.now();
  private lastTok = 0;
  private text = "";
  private offset = 0;
  private sse: SseWriter | null = null;
  private finished = false;
  private reqId = -1;
  private readonly lps: { lp: TokenLogprob; offset: number }[] = [];

  constructor(private readonly kind: Kind, private readonly g: GenRequest, private readonly modelId: string, private readonly res: ServerResponse,
    private readonly ctx: GenContext) {
    this.id = (kind === "chat" ? "chatcmpl-" : "cmpl-") + randomBytes(12).toString("hex");
  }

  start(adapter: string | null): void {
    this.res.on("close", () => {
      if (!this.finished && this.reqId >= 0) this.ctx.engine.cancel(this.reqId);
      this.sse?.stop();
    });
    try {
      this.reqId = this.ctx.engine.submit(adapter, this.g.prompt, this.g.params, {
        accepted: () => this.accepted(),
        fail: (e) => this.fail(e),
        event: (ev) => this.onEvent(ev),
        done: (d) => this.onDone(d),
      });
    } catch (e) {
      this.fail(e instanceof ApiError ? e : new ApiError(500, "server_error", (e as Error).message));
    }
  }

  private base(): Record<string, unknown> {
    const object = this.kind === "chat" ? "chat.completion.chunk" : "text_completion";
    return { id: this.id, object, created: this.created, model: this.modelId, system_fingerprint: "weft", ...(this.g.includeUsage ? { usage: null } : {}) };
  }

  private chunk(c: { content?: string; role?: string; lp?: TokenLogprob; finish?: string }, extra: Record<string, unknown> = {}): Record<string, unknown> {
    let choice: Record<string, unknown>;
    if (this.kind === "chat") {
      const delta = { ...(c.role ? { role: c.role } : {}), ...(c.content !== undefined ? { content: c.content } : {}) };
      choice = { index: 0, delta, logprobs: c.lp ? { content: [chatLp(c.lp)], refusal: null } : null, finish_reason: c.finish ?? null };
    } else {
      const logprobs = c.lp ? { tokens: [c.lp.token], token_logprobs: [c.lp.logprob], top_logprobs: [topMap(c.lp)], text_offset: [this.offset] } : null;
      choice = { index: 0, text: c.content ?? "", logprobs, finish_reason: c.finish ?? null };
    }
    return { ...this.base(), choices: [choice], ...extra };
  }

  private end(status: number): void {
    if (this.finished) return;
    this.finished = true;
    this.ctx.metrics.duration.observe((performance.now() - this.t0) / 1000);
    this.ctx.onEnd(status);
  }

  private accepted(): void {
    if (!this.g.stream || this.res.destroyed) return;
    this.sse = new SseWriter(this.res);
    if (this.kind === "chat") this.sse.send(this.chunk({ role: "assistant", content: "" }));
  }

  private fail(e: ApiError): void {
    sendError(this.res, e);
    this.end(e.status);
  }

  private onEvent(ev: TokenEvent): void {
    const now = performance.now();
    if (this.lastTok === 0) this.ctx.metrics.ttft.observe((now - this.t0) / 1000);
    else this.ctx.metrics.itl.observe((now - this.lastTok) / 1000);
    this.lastTok = now;
    if (ev.lp) this.lps.push({ lp: ev.lp, offset: this.offset });
    if (this.sse && (ev.text !== "" || ev.lp)) this.sse.send(this.chunk({ content: ev.text !== "" || this.kind !== "chat" ? ev.text : undefined, lp: ev.lp }));
    this.text += ev.text;
    this.offset += ev.text.length;
  }

  private onDone(d: Done): void {
    this.ctx.metrics.tokens(d.promptTokens, d.completionTokens);
    const usage = { prompt_tokens: d.promptTokens, completion_tokens: d.completionTokens, total_tokens: d.promptTokens + d.completionTokens };
    const aborted = d.finish === "abort";
    const error = d.finish === "error" || aborted
      ? new ApiError(aborted ? 503 : 500, aborted ? "service_unavailable" : "server_error",
        d.error ?? (aborted ? "the request was cancelled (the server is shutting down)" : "generation failed"))
      : null;
    if (this.sse) {
      this.sse.send(this.chunk({ finish: error ? "error" : d.finish }, error ? { error: error.body().error } : {}));
      if (this.g.includeUsage) this.sse.send({ ...this.base(), choices: [], usage });
      this.sse.end();
      this.end(200);
    } else if (error) {
      sendJson(this.res, error.status, error.body());
      this.end(error.status);
    } else {
      sendJson(this.res, 200, this.body(d.finish, usage));
      this.end(200);
    }
  }

  private body(finish: string, usage: Record<string, number>): Record<string, unknown> {
    const chat = this.kind === "chat";
    const logprobs = this.g.params.logprobs
      ? chat ? { content: this.lps.map((x) => chatLp(x.lp)), refusal: null }
        : { tokens: this.lps.map((x) => x.lp.token), token_logprobs: this.lps.map((x) => x.lp.logprob), top_logprobs: this.lps.map((x) => topMap(x.lp)),
          text_offset: this.lps.map((x) => x.offset) }
      : null;
    const choice = chat
      ? { index: 0, message: { role: "assistant", content: this.text, refusal: null }, logprobs, finish_reason: finish }
      : { index: 0, text: this.text, logprobs, finish_reason: finish };
    return { id: this.id, object: chat ? "chat.completion" : "text_completion", created: this.created, model: this.modelId, system_fingerprint: "weft",
      choices: [choice], usage };
  }
}

export function runGeneration(kind: Kind, g: GenRequest, adapter: string | null, modelId: string, res: ServerResponse, ctx: GenContext): void {
  new Generation(kind, g, modelId, res, ctx).start(adapter);
}
