// Per-request logits processing for the server: OpenAI penalties and logit_bias, the JSON constraint mask, logprobs.
import type { Tokenizer } from "../tokenizers/types.js";
import type { JsonState } from "./json-constraint.js";

export interface PenaltyOptions {
  frequencyPenalty: number;
  presencePenalty: number;
  /** llama.cpp's repeat penalty over the last 64 tokens of prompt + output (1 = off). */
  repetitionPenalty: number;
  logitBias: ReadonlyMap<number, number>;
}

/** logit_bias, then OpenAI's penalties over the generated tokens, then the repeat penalty; in place. */
export function applyPenalties(logits: Float32Array, o: PenaltyOptions, generated: readonly number[], context: () => readonly number[]): void {
  for (const [id, b] of o.logitBias) if (id < logits.length) logits[id] = b <= -100 ? -Infinity : logits[id]! + b;
  if (o.frequencyPenalty !== 0 || o.presencePenalty !== 0) {
    const counts = new Map<number, number>();
    for (const id of generated) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, n] of counts) logits[id] = logits[id]! - n * o.frequencyPenalty - o.presencePenalty;
  }
  if (o.repetitionPenalty !== 1) {
    const ctx = context();
    const seen = new Set(ctx.slice(Math.max(0, ctx.length - 64)));
    for (const id of seen) {
      const l = logits[id]!;
      logits[id] = l > 0 ? l / o.repetitionPenalty : l * o.repetitionPenalty;
    }
  }
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topIndices(v: Float32Array, k: number): number[] {
  k = Math.min(k, v.length);
  if (k > 256) return Array.from(v.keys()).sort((a, b) => v[b]! - v[a]! || a - b).slice(0, k);
  const idx: number[] = [];
  let floor = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (idx.length === k && !(x > floor)) continue;
    let at = idx.length === k ? k - 1 : idx.length;
    if (idx.length < k) idx.push(i);
    while (at > 0 && v[idx[at - 1]!]! < x) {
      idx[at] = idx[at - 1]!;
      at--;
    }
    idx[at] = i;
    if (idx.length === k) floor = v[idx[k - 1]!]!;
  }
  return idx;
}

/** log-softmax normaliser: log(sum(exp(v))). */
export function logSumExp(v: Float32Array): number {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  if (max === -Infinity) return max;
  let s = 0;
  for (const x of v) s += Math.exp(x - max);
  return max + Math.log(s);
}

/** Each token's exact appended text for the JSON constraint; null for tokens that never may appear inside JSON
 *  (control tokens, empty pieces, pieces that are not whole UTF-8). */
export class TokenTexts {
  private readonly texts: (string | null)[];

  constructor(tok: Tokenizer) {
    const dec = new TextDecoder("utf-8", { fatal: true });
    this.texts = Array.from({ length: tok.vocabSize }, (_, id) => {
      if (tok.isSpecial(id)) return null;
      try {
        const s = tok.tokenToBytes ? dec.decode(tok.tokenToBytes(id)) : tok.tokenToPiece(id);
        return s === "" || s.includes("\uFFFD") ? null : s;
      } catch {
        return null;
      }
    });
  }

  get(id: number): string | null {
    return this.texts[id] ?? null;
  }
}

/** How many of the most likely tokens constrained sampling considers (it widens to the whole vocabulary when none fits). */
export const CONSTRAINED_CANDIDATES = 64;

/**
 * Mask `logits` (already biased and penalised) so that only tokens keeping the JSON valid remain: the most likely
 * tokens are tried in order until `want` fit (1 when greedy); when the state is complete, end-of-generation tokens
 * are allowed instead. Returns the JSON state each kept token leads to, or null when no token fits.
 */
export function maskJson(logits: Float32Array, state: JsonState, texts: TokenTexts, isEog: (id: number) => boolean, want: number): Map<number, JsonState> | null {
  const kept = new Map<number, JsonState>();
  const consider = (order: Iterable<number>) => {
    for (const id of order) {
      if (kept.size >= want) break;
      if (logits[id] === -Infinity) continue;
      if (isEog(id)) {
        if (state.complete) kept.set(id, state);
        continue;
      }
      const t = texts.get(id);
      const next = t === null ? null : state.feed(t);
      if (next) kept.set(id, next);
    }
  };
  consider(topIndices(logits, Math.max(want, CONSTRAINED_CANDIDATES)));
  if (kept.size === 0) consider(topIndices(logits, logits.length));
  if (kept.size === 0) return null;
  for (let i = 0; i < logits.length; i++) if (!kept.has(i)) logits[i] = -Infinity;
  return kept;
}

export interface DrawOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
}

/**
 * The draw of generate/sampler.ts (same defaults, same candidate order, same use of the random stream, so the same
 * token for the same seed) without sorting the whole vocabulary: with top-k on, only the k best are ranked; the
 * softmax normaliser still covers every token, as Sampler's does. Logits must already carry bias and penalties.
 */
export function drawToken(logits: Float32Array, o: DrawOptions, uniform: () => number): number {
  const temp = o.temperature ?? 0.8;
  const k = o.topK ?? 40;
  if (temp === 0) return topIndices(logits, 1)[0]!;
  let max = -Infinity;
  for (const l of logits) if (l > max) max = l;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i]! - max) / temp);
  const ids = k > 0 && k < logits.length ? topIndices(logits, k) : topIndices(logits, logits.length);
  let cand = ids.map((id) => ({ id, p: Math.exp((logits[id]! - max) / temp) / sum })).filter((c) => c.p > 0);
  const topP = o.topP ?? 0.95;
  if (topP < 1) {
    let acc = 0;
    const cut = cand.findIndex((c) => (acc += c.p) >= topP);
    if (cut >= 0) cand = cand.slice(0, cut + 1);
  }
  const minP = o.minP ?? 0.05;
  if (minP > 0 && cand.length > 0) {
    const floor = cand[0]!.p * minP;
    cand = cand.filter((c) => c.p >= floor);
  }
  const total = cand.reduce((s, c) => s + c.p, 0);
  const u = uniform();
  let acc = 0;
  for (const c of cand) {
    acc += c.p / total;
    if (u < acc) return c.id;
  }
  return cand[cand.length - 1]!.id;
}
