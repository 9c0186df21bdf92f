// Perplexity as llama.cpp's perplexity tool defines it. The text is tokenised once (BOS first when the vocabulary
// adds one). Default mode: chunks of ctx tokens cut one after another (floor(n / ctx) of them), the first token of
// each chunk replaced by BOS, and only the second half scored: logits at positions ctx/2 .. ctx−2 predict the next
// token. Strided mode (--stride S, llama.cpp's perplexity_v2): windows of ctx tokens starting every S tokens,
// ceil((n − ctx) / S) of them, the last S predictions of each scored; llama.cpp sets BOS there only after evaluating,
// so the windows run on the text's own tokens, and so do these. Both need at least 2·ctx tokens.
// PPL = exp(mean negative log-likelihood over every scored token).
import { fromArray } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import type { LanguageModel } from "../models/config.js";
import { ArgumentError, ValueError } from "../util/errors.js";

export interface ChunkPlan {
  /** First token of the window in the token list. */
  start: number;
  /** Positions (within the window) whose logits are scored: first .. ctx − 2, each predicting position + 1. */
  first: number;
  /** Replace the window's first token by BOS. */
  bos: boolean;
}

/** The windows llama.cpp evaluates for n tokens; stride 0 is the default mode. */
export function perplexityPlan(n: number, ctx: number, stride = 0, maxChunks = Infinity): ChunkPlan[] {
  if (!Number.isInteger(ctx) || ctx < 4) throw new ArgumentError("perplexity", `context must be an integer >= 4 but is ${ctx}`);
  if (!Number.isInteger(stride) || stride < 0 || stride >= ctx) {
    throw new ArgumentError("perplexity", `stride must be an integer in 0..${ctx - 1} but is ${stride}`);
  }
  if (n < 2 * ctx) throw new ValueError("perplexity", `the text has ${n} tokens; a context of ${ctx} needs at least ${2 * ctx}`);
  if (stride === 0) {
    const count = Math.min(Math.floor(n / ctx), maxChunks);
    return Array.from({ length: count }, (_, i) => ({ start: i * ctx, first: Math.floor(ctx / 2), bos: true }));
  }
  const count = Math.min(Math.floor((n - ctx + stride - 1) / stride), maxChunks);
  return Array.from({ length: count }, (_, i) => ({ start: i * stride, first: ctx - stride - 1, bos: false }));
}

/** −log softmax(logits)[target] with an f64 sum, for the V logits at row. */
export function negLogProb(logits: Float32Array, row: number, V: number, target: number): number {
  const o = row * V;
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (logits[o + v]! > max) max = logits[o + v]!;
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v]! - max);
  return max + Math.log(sum) - logits[o + target]!;
}

export interface PerplexityOptions {
  ctx: number;
  /** 0 (default): llama.cpp's default chunks; > 0: strided windows. */
  stride?: number;
  /** Evaluate at most this many chunks. */
  maxChunks?: number;
  /** BOS id put at the start of each default-mode chunk (null: keep the text's token). */
  bos: number | null;
  /** Chunks evaluated per forward pass (default: as many as fit ~64 MiB of logits, at most 8). */
  batch?: number;
  onChunk?(done: number, total: number, ppl: number): void;
}

export interface PerplexityResult {
  ppl: number;
  /** Mean negative log-likelihood (nats per token). */
  nll: number;
  /** Standard error of the mean nll. */
  nllStderr: number;
  /** Scored tokens. */
  count: number;
  chunks: number;
  ctx: number;
  stride: number;
  tokens: number;
  seconds: number;
  /** Evaluated (not scored) tokens per second. */
  tokensPerS: number;
}

/** Perplexity of `model` over a token list (already tokenised with the vocabulary's BOS rule). */
export function perplexity(model: LanguageModel, tokens: ArrayLike<number>, o: PerplexityOptions): PerplexityResult {
  const ctx = o.ctx, V = model.config.vocabSize, stride = o.stride ?? 0;
  if (ctx > model.config.contextLength) {
    throw new ArgumentError("perplexity", `context ${ctx} is longer than the model's ${model.config.contextLength}`);
  }
  const plan = perplexityPlan(tokens.length, ctx, stride, o.maxChunks);
  const batch = Math.max(1, Math.min(o.batch ?? Math.floor((16 << 20) / (ctx * V)), 8, plan.length));
  let nll = 0, nll2 = 0, count = 0;
  const t0 = performance.now();
  for (let c = 0; c < plan.length; c += batch) {
    const group = plan.slice(c, c + batch), ids = new Int32Array(group.length * ctx);
    group.forEach((p, b) => {
      for (let t = 0; t < ctx; t++) ids[b * ctx + t] = tokens[p.start + t]!;
      if (p.bos && o.bos !== null) ids[b * ctx] = o.bos;
    });
    const logits = noGrad(() => model.forward(fromArray(ids, [group.length, ctx]), null, { allLogits: true })).f32();
    group.forEach((p, b) => {
      for (let j = p.first; j < ctx - 1; j++) {
        const v = negLogProb(logits, b * ctx + j, V, tokens[p.start + j + 1]!);
        nll += v;
        nll2 += v * v;
        count++;
      }
      o.onChunk?.(c + b + 1, plan.length, Math.exp(nll / count));
    });
  }
  const seconds = (performance.now() - t0) / 1000, mean = nll / count;
  const variance = Math.max(0, nll2 / count - mean * mean);
  return {
    ppl: Math.exp(mean), nll: mean, nllStderr: Math.sqrt(variance / Math.max(1, count - 1)), count, chunks: plan.length, ctx, stride,
    tokens: tokens.length, seconds, tokensPerS: (plan.length * ctx) / Math.max(seconds, 1e-9),
  };
}
