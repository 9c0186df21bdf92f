// generate(): prefill the prompt in one batch, then decode token by token over a KV cache, streaming text.
import type { LanguageModel } from "../models/config.js";
import type { Tokenizer } from "../tokenizers/index.js";
import type { KvType } from "../nn/kv-cache.js";
import type { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { Sampler, type SamplingOptions } from "./sampler.js";
import { StopMatcher } from "./stop.js";
import { ArgumentError, ValueError } from "../util/errors.js";

export interface GenerateOptions extends SamplingOptions {
  maxTokens?: number;
  /** Context size (default: the model's, capped at 4096). */
  ctx?: number;
  kvType?: KvType;
  stop?: string[];
  /** Stop at end-of-generation tokens (default true). */
  stopAtEos?: boolean;
  signal?: AbortSignal;
  /** Soft prompt [n, C] placed before the prompt (prompt tuning / P-tuning adapters). */
  prefix?: Tensor | null;
}

export type FinishReason = "stop" | "length" | "abort";

export interface GenerateResult {
  text: string;
  tokens: number[];
  promptTokens: number[];
  finishReason: FinishReason;
  timings: { prefillMs: number; decodeMs: number; prefillTokensPerS: number; decodeTokensPerS: number };
}

export interface TokenEvent {
  token: number;
  /** Text that became final with this token (may be empty while UTF-8 or stop strings are pending). */
  text: string;
}

/** Prompt ids: a string is encoded with the model's BOS rule; ids pass through. */
export function promptIds(tokenizer: Tokenizer | null, prompt: string | readonly number[]): number[] {
  if (typeof prompt !== "string") return [...prompt];
  if (!tokenizer) throw new ArgumentError("generate", "this model has no tokenizer: pass token ids instead of text");
  return tokenizer.encode(prompt, { addBos: tokenizer.addBos });
}

/** Stream tokens; the generator's return value is the full result. */
export async function* generateStream(model: LanguageModel, tokenizer: Tokenizer | null, prompt: string | readonly number[],
  opts: GenerateOptions = {}): AsyncGenerator<TokenEvent, GenerateResult> {
  const ids = promptIds(tokenizer, prompt);
  const ctx = opts.ctx ?? Math.min(model.config.contextLength, 4096);
  const maxTokens = opts.maxTokens ?? 128;
  if (ids.length === 0) throw new ArgumentError("generate", "the prompt is empty (no tokens)");
  const virtual = opts.prefix?.shape[0] ?? 0;
  if (ids.length + virtual >= ctx) {
    const soft = virtual > 0 ? ` (+ ${virtual} virtual)` : "";
    throw new ValueError("generate", `the prompt has ${ids.length} tokens${soft} but the context holds ${ctx}; it must leave room for at least one new token`);
  }
  for (const id of ids) if (id < 0 || id >= model.config.vocabSize) throw new ValueError("generate", `prompt token ${id} is outside the vocabulary [0, ${model.config.vocabSize})`);
  const sampler = new Sampler(opts);
  const cache = model.makeCache(ctx, opts.kvType ?? "f32");
  const stops = new StopMatcher(opts.stop ?? []);
  const decoder = tokenizer?.streamDecoder();
  const history = [...ids], out: number[] = [];
  let text = "", finish: FinishReason = "length";
  const t0 = performance.now();
  let logits = noGrad(() => model.forward(Int32Array.from(ids), cache, { prefix: opts.prefix })).f32().slice();
  const t1 = performance.now();
  while (out.length < maxTokens) {
    if (opts.signal?.aborted) { finish = "abort"; break; }
    const tok = sampler.sample(logits, history);
    if ((opts.stopAtEos ?? true) && tokenizer?.isEog(tok)) { finish = "stop"; break; }
    out.push(tok);
    history.push(tok);
    const { emit, stopped } = stops.push(decoder ? decoder.push(tok) : "");
    text += emit;
    yield { token: tok, text: emit };
    if (stopped) { finish = "stop"; break; }
    if (cache.length >= ctx) break;
    logits = noGrad(() => model.forward(Int32Array.of(tok), cache)).f32().slice();
    await new Promise<void>((r) => setImmediate(r)); // let the event loop breathe between tokens
  }
  if (finish !== "stop") text += stops.push(decoder?.flush() ?? "").emit + stops.flush();
  const t2 = performance.now();
  const decoded = Math.max(0, out.length - 1);
  return {
    text, tokens: out, promptTokens: ids, finishReason: finish,
    timings: {
      prefillMs: t1 - t0, decodeMs: t2 - t1,
      prefillTokensPerS: ids.length / ((t1 - t0) / 1000),
      decodeTokensPerS: decoded > 0 ? decoded / ((t2 - t1) / 1000) : 0,
    },
  };
}

/** Run generation to the end and return the result. */
export async function generate(model: LanguageModel, tokenizer: Tokenizer | null, prompt: string | readonly number[],
  opts: GenerateOptions = {}): Promise<GenerateResult> {
  const it = generateStream(model, tokenizer, prompt, opts);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}
