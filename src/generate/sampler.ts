// Sampling: logit bias, repetition/frequency/presence penalties, temperature, top-k, top-p, min-p, seeded draw.
import { Rng } from "../core/rng.js";
import { ArgumentError } from "../util/errors.js";

export interface SamplingOptions {
  /** 0 = greedy (argmax). Default 0.8 like llama.cpp. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  /** Divide positive (multiply negative) logits of tokens seen in the last `penaltyLastN` tokens (llama.cpp's repeat penalty). */
  repetitionPenalty?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  penaltyLastN?: number;
  logitBias?: Record<number, number>;
  seed?: number;
}

function check(o: SamplingOptions): void {
  const bad = (name: string, v: number | undefined, ok: (v: number) => boolean) => {
    if (v !== undefined && !(Number.isFinite(v) && ok(v))) throw new ArgumentError("sampler", `${name} is out of range: ${v}`);
  };
  bad("temperature", o.temperature, (v) => v >= 0);
  bad("topK", o.topK, (v) => Number.isInteger(v) && v >= 0);
  bad("topP", o.topP, (v) => v > 0 && v <= 1);
  bad("minP", o.minP, (v) => v >= 0 && v <= 1);
  bad("repetitionPenalty", o.repetitionPenalty, (v) => v > 0);
  bad("penaltyLastN", o.penaltyLastN, (v) => Number.isInteger(v) && v >= 0);
}

export class Sampler {
  private readonly rng: Rng;

  constructor(readonly opts: SamplingOptions = {}) {
    check(opts);
    this.rng = new Rng(opts.seed ?? 0xc0ffee);
  }

  /** Choose the next token from logits (modified in place) given the history of ids. */
  sample(logits: Float32Array, history: readonly number[]): number {
    this.applyBiasAndPenalties(logits, history);
    const temp = this.opts.temperature ?? 0.8;
    if (temp === 0) return argmax(logits);
    let cand = candidates(logits, temp);
    const k = this.opts.topK ?? 40;
    if (k > 0 && k < cand.length) cand = cand.slice(0, k);
    cand = truncateTopP(cand, this.opts.topP ?? 0.95);
    cand = truncateMinP(cand, this.opts.minP ?? 0.05);
    return draw(cand, this.rng.uniform());
  }

  private applyBiasAndPenalties(logits: Float32Array, history: readonly number[]): void {
    for (const [id, b] of Object.entries(this.opts.logitBias ?? {})) {
      const i = Number(id);
      if (i >= 0 && i < logits.length) logits[i]! += b;
    }
    const rep = this.opts.repetitionPenalty ?? 1, freq = this.opts.frequencyPenalty ?? 0, pres = this.opts.presencePenalty ?? 0;
    if (rep === 1 && freq === 0 && pres === 0) return;
    const lastN = this.opts.penaltyLastN ?? 64;
    const counts = new Map<number, number>();
    for (const id of history.slice(Math.max(0, history.length - lastN))) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, n] of counts) {
      if (id < 0 || id >= logits.length) continue;
      let l = logits[id]!;
      l = l > 0 ? l / rep : l * rep;
      logits[id] = l - n * freq - pres;
    }
  }
}

export function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

interface Cand {
  id: number;
  p: number;
}

/** Softmax of logits / temperature, sorted by probability descending. */
function candidates(logits: Float32Array, temp: number): Cand[] {
  let max = -Infinity;
  for (const l of logits) if (l > max) max = l;
  const out: Cand[] = [];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = Math.exp((logits[i]! - max) / temp);
    if (p > 0) {
      out.push({ id: i, p });
      sum += p;
    }
  }
  for (const c of out) c.p /= sum;
  return out.sort((a, b) => b.p - a.p || a.id - b.id);
}

function truncateTopP(c: Cand[], topP: number): Cand[] {
  if (topP >= 1) return c;
  let acc = 0;
  for (let i = 0; i < c.length; i++) {
    acc += c[i]!.p;
    if (acc >= topP) return c.slice(0, i + 1);
  }
  return c;
}

function truncateMinP(c: Cand[], minP: number): Cand[] {
  if (minP <= 0 || c.length === 0) return c;
  const floor = c[0]!.p * minP;
  return c.filter((x) => x.p >= floor);
}

function draw(c: Cand[], u: number): number {
  const total = c.reduce((s, x) => s + x.p, 0);
  let acc = 0;
  for (const x of c) {
    acc += x.p / total;
    if (u < acc) return x.id;
  }
  return c[c.length - 1]!.id;
}
