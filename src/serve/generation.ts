// One chat or completion request end to end: submit to the engine, then stream SSE chunks or answer one JSON body,
// in OpenAI's shapes (usage, finish_reason, logprobs); a client that goes away cancels its sequence.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { ApiError } from "./errors.js";
import { sendError, sendJson, SseWriter } from "./http-util.js";
import type { EngineClient } from "./engine-client.js";
import type { Done } from "./engine.js";
import type { Metrics } from "./metrics.js";
import type { TokenEvent, TokenLogprob } from "./protocol.js";
import type { GenRequest } from "./validate.js";

export type Kind = "chat" | "completion";

interface Lp {
  chat: { token: string; logprob: number; bytes: number[]; top_logprobs: { token: string; logprob: number; bytes: number[] }[] }[];
  tokens: string[];
  tokenLogprobs: number[];
  top: Record<string, number>[];
  offsets: number[];
}

const chatLp = (l: TokenLogprob) => ({ token: l.token, logprob: l.logprob, bytes: l.bytes, top_logprobs: l.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes })) });

export interface GenContext {
  engine: EngineClient;
  metrics: Metrics;
  /** Called when the request ends (metrics for its route). */
  onEnd(status: number): void;
}

export function runGeneration(kind: Kind, g: GenRequest, adapter: string | null, modelId: string, req: IncomingMessage, res: ServerResponse, ctx: GenContext): void {
  const id = (kind === "chat" ? "chatcmpl-" : "cmpl-") + randomBytes(12).toString("hex");
  const created = Math.floor(Date.now() / 1000);
  const t0 = performance.now();
  let lastTok = 0, text = "", sse: SseWriter | null = null, finished = false, reqId = -1, offset = 0;
  const lp: Lp | null = g.params.logprobs ? { chat: [], tokens: [], tokenLogprobs: [], top: [], offsets: [] } : null;
  const base = () => ({ id, object: kind === "chat" ? "chat.completion.chunk" : "text_completion", created, model: modelId, system_fingerprint: "weft" });
  const usageNull = g.includeUsage ? { usage: null } : {};
  const choice = (extra: Record<string, unknown>) => (kind === "chat"
    ? { index: 0, delta: extra.delta ?? {}, logprobs: extra.logprobs ?? null, finish_reason: extra.finish_reason ?? null }
    : { index: 0, text: extra.text ?? "", logprobs: extra.logprobs ?? null, finish_reason: extra.finish_reason ?? null });

  const streamLp = (l: TokenLogprob) => (kind === "chat" ? { content: [chatLp(l)], refusal: null }
    : { tokens: [l.token], token_logprobs: [l.logprob], top_logprobs: [Object.fromEntries(l.top.map((t) => [t.token, t.logprob]))], text_offset: [offset] });

  const end = (status: number) => {
    if (finished) return;
    finished = true;
    ctx.metrics.duration.observe((performance.now() - t0) / 1000);
    ctx.onEnd(status);
  };

  res.on("close", () => {
    if (!finished && reqId >= 0) ctx.engine.cancel(reqId);
    sse?.stop();
  });

  const onEvent = (ev: TokenEvent) => {
    const now = performance.now();
    if (lastTok === 0) ctx.metrics.ttft.observe((now - t0) / 1000);
    else ctx.metrics.itl.observe((now - lastTok) / 1000);
    lastTok = now;
    if (lp && ev.lp) {
      lp.chat.push(chatLp(ev.lp));
      lp.tokens.push(ev.lp.token);
      lp.tokenLogprobs.push(ev.lp.logprob);
      lp.top.push(Object.fromEntries(ev.lp.top.map((t) => [t.token, t.logprob])));
      lp.offsets.push(offset);
    }
    if (sse && (ev.text !== "" || ev.lp)) {
      const c = kind === "chat" ? { delta: ev.text !== "" ? { content: ev.text } : {} } : { text: ev.text };
      sse.send({ ...base(), choices: [choice({ ...c, logprobs: ev.lp ? streamLp(ev.lp) : null })], ...usageNull });
    }
    text += ev.text;
    offset += ev.text.length;
  };

  const usage = (d: Done) => ({ prompt_tokens: d.promptTokens, completion_tokens: d.completionTokens, total_tokens: d.promptTokens + d.completionTokens });

  const onDone = (d: Done) => {
    ctx.metrics.tokens(d.promptTokens, d.completionTokens);
    const reason = d.finish === "abort" ? "error" : d.finish;
    const errorObj = reason === "error" ? new ApiError(d.finish === "abort" ? 503 : 500, d.finish === "abort" ? "service_unavailable" : "server_error",
      d.error ?? (d.finish === "abort" ? "the request was cancelled (the server is shutting down)" : "generation failed")).body().error : null;
    if (sse) {
      sse.send({ ...base(), choices: [choice({ finish_reason: reason })], ...usageNull, ...(errorObj ? { error: errorObj } : {}) });
      if (g.includeUsage) sse.send({ ...base(), choices: [], usage: usage(d) });
      sse.end();
      end(200);
      return;
    }
    if (errorObj) {
      const status = d.finish === "abort" ? 503 : 500;
      sendJson(res, status, { error: errorObj });
      end(status);
      return;
    }
    const logprobs = lp ? (kind === "chat" ? { content: lp.chat, refusal: null }
      : { tokens: lp.tokens, token_logprobs: lp.tokenLogprobs, top_logprobs: lp.top, text_offset: lp.offsets }) : null;
    const c = kind === "chat"
      ? { index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs, finish_reason: reason }
      : { index: 0, text, logprobs, finish_reason: reason };
    sendJson(res, 200, { id, object: kind === "chat" ? "chat.completion" : "text_completion", created, model: modelId, system_fingerprint: "weft",
      choices: [c], usage: usage(d) });
    end(200);
  };

  try {
    reqId = ctx.engine.submit(adapter, g.prompt, g.params, {
      accepted: () => {
        if (!g.stream || res.destroyed) return;
        sse = new SseWriter(res);
        if (kind === "chat") sse.send({ ...base(), choices: [choice({ delta: { role: "assistant", content: "" } })], ...usageNull });
      },
      fail: (e) => {
        sendError(res, e);
        end(e.status);
      },
      event: onEvent,
      done: onDone,
    });
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError(500, "server_error", (e as Error).message);
    sendError(res, err);
    end(err.status);
  }
  void req;
}
