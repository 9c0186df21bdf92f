// Structured pruning that really shrinks the model: FFN neurons (rows of gate/up, columns of down), attention heads
// (whole key/value groups: their q/k/v rows and attn_output columns) and whole layers. Units are ranked by an
// activation-aware score when calibration statistics exist (‖output weights of the unit‖ · rms of its input
// activation, Wanda's idea per unit; layers by ShortGPT's block influence), else by weight norms. Every layer keeps
// the same count, so the result is an ordinary smaller config that llama.cpp loads.
import type { ModelConfig } from "../models/config.js";
import type { NamedArray } from "../models/random.js";
import type { Calibration } from "./imatrix.js";
import { ArgumentError, UnsupportedError } from "../util/errors.js";

export type StructuredMethod = "heads" | "ffn" | "layers";

export interface StructuredResult {
  config: ModelConfig;
  arrays: Map<string, NamedArray>;
  /** Removed units per layer (neuron or kv-group indices), or the removed layers. */
  removed: number[][];
}

/** Rows `keep` of a [N, K] matrix. */
export function takeRows(t: NamedArray, keep: readonly number[]): NamedArray {
  const K = t.data.length / t.shape[0]!, out = new Float32Array(keep.length * K);
  keep.forEach((r, i) => out.set(t.data.subarray(r * K, (r + 1) * K), i * K));
  return { shape: t.shape.length === 1 ? [keep.length] : [keep.length, K], data: out };
}

/** Columns `keep` of a [N, K] matrix. */
export function takeCols(t: NamedArray, keep: readonly number[]): NamedArray {
  const [N, K] = t.shape as [number, number], out = new Float32Array(N * keep.length);
  for (let r = 0; r < N; r++) keep.forEach((c, i) => { out[r * keep.length + i] = t.data[r * K + c]!; });
  return { shape: [N, keep.length], data: out };
}

/** Column norms ‖W[:, c]‖₂ of [N, K]. */
function colNorms(t: NamedArray): Float64Array {
  const [N, K] = t.shape as [number, number], out = new Float64Array(K);
  for (let r = 0; r < N; r++) for (let c = 0; c < K; c++) out[c] += t.data[r * K + c]! ** 2;
  return out.map(Math.sqrt);
}

function rowNorms(t: NamedArray): Float64Array {
  const K = t.shape[1]!, out = new Float64Array(t.shape[0]!);
  for (let i = 0; i < t.data.length; i++) out[Math.floor(i / K)] += t.data[i]! ** 2;
  return out.map(Math.sqrt);
}

/** Indices of the `drop` lowest scores (the rest, ascending, are kept). */
function split(score: ArrayLike<number>, drop: number): { keep: number[]; removed: number[] } {
  const order = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[a]! - score[b]! || a - b);
  const removed = order.slice(0, drop).sort((a, b) => a - b), gone = new Set(removed);
  return { keep: order.filter((i) => !gone.has(i)).sort((a, b) => a - b), removed };
}

function get(arrays: Map<string, NamedArray>, name: string): NamedArray {
  const t = arrays.get(name);
  if (!t) throw new ArgumentError("prune", `the model has no tensor '${name}'`);
  return t;
}

/** How many of n units to remove for a sparsity, keeping at least one (and a multiple of `multiple` when possible). */
function dropCount(n: number, sparsity: number, multiple = 1): number {
  let keep = Math.max(1, n - Math.round(n * sparsity));
  if (multiple > 1 && n % multiple === 0 && keep > multiple) keep = Math.round(keep / multiple) * multiple;
  return n - keep;
}

function pruneFfn(c: ModelConfig, arrays: Map<string, NamedArray>, sparsity: number, cal: Calibration | null): StructuredResult {
  const out = new Map(arrays), drop = dropCount(c.ffnDim, sparsity, 32), removed: number[][] = [];
  for (let l = 0; l < c.nLayer; l++) {
    const p = `blk.${l}.`, down = get(arrays, p + "ffn_down.weight"), up = get(arrays, p + "ffn_up.weight");
    const act = cal?.importance(p + "ffn_down.weight");
    const dn = colNorms(down), un = rowNorms(up), gn = arrays.has(p + "ffn_gate.weight") ? rowNorms(get(arrays, p + "ffn_gate.weight")) : null;
    const score = dn.map((v, i) => (act ? v * Math.sqrt(act[i]!) : v * un[i]! * (gn ? gn[i]! : 1)));
    const { keep, removed: r } = split(score, drop);
    removed.push(r);
    for (const n of ["ffn_gate.weight", "ffn_up.weight", "ffn_up.bias"]) if (arrays.has(p + n)) out.set(p + n, takeRows(get(arrays, p + n), keep));
    out.set(p + "ffn_down.weight", takeCols(down, keep));
  }
  return { config: { ...c, ffnDim: c.ffnDim - drop }, arrays: out, removed };
}

function pruneHeads(c: ModelConfig, arrays: Map<string, NamedArray>, sparsity: number, cal: Calibration | null): StructuredResult {
  if (c.arch === "gpt2") throw new UnsupportedError("prune", "head pruning needs separate q/k/v projections (llama family); gpt2's fused qkv assumes nHead·D = dim");
  const D = c.headDim, G = c.nHead / c.nHeadKv, drop = dropCount(c.nHeadKv, sparsity), out = new Map(arrays), removed: number[][] = [];
  if (drop === 0) return { config: c, arrays: out, removed: Array.from({ length: c.nLayer }, () => []) };
  for (let l = 0; l < c.nLayer; l++) {
    const p = `blk.${l}.`, wo = get(arrays, p + "attn_output.weight"), wq = get(arrays, p + "attn_q.weight");
    const act = cal?.importance(p + "attn_output.weight"), on = colNorms(wo), qn = rowNorms(wq);
    const score = new Float64Array(c.nHeadKv);
    for (let h = 0; h < c.nHead; h++) {
      let s = 0, q = 0;
      for (let d = h * D; d < (h + 1) * D; d++) {
        s += on[d]! ** 2 * (act ? act[d]! : 1);
        q += qn[d]! ** 2;
      }
      score[Math.floor(h / G)] += act ? Math.sqrt(s) : Math.sqrt(s * q);
    }
    const { keep, removed: r } = split(score, drop);
    removed.push(r);
    const qRows = keep.flatMap((g) => Array.from({ length: G * D }, (_, i) => g * G * D + i));
    const kvRows = keep.flatMap((g) => Array.from({ length: D }, (_, i) => g * D + i));
    out.set(p + "attn_q.weight", takeRows(wq, qRows));
    out.set(p + "attn_output.weight", takeCols(wo, qRows));
    for (const n of ["attn_k", "attn_v"]) out.set(`${p}${n}.weight`, takeRows(get(arrays, `${p}${n}.weight`), kvRows));
    if (c.qkvBias) {
      out.set(p + "attn_q.bias", takeRows(get(arrays, p + "attn_q.bias"), qRows));
      for (const n of ["attn_k", "attn_v"]) out.set(`${p}${n}.bias`, takeRows(get(arrays, `${p}${n}.bias`), kvRows));
    }
  }
  const kv = c.nHeadKv - drop;
  return { config: { ...c, nHead: kv * G, nHeadKv: kv }, arrays: out, removed };
}

function pruneLayers(c: ModelConfig, arrays: Map<string, NamedArray>, sparsity: number, cal: Calibration | null): StructuredResult {
  const bi = cal?.blockInfluence;
  if (!bi) throw new ArgumentError("prune", "layer pruning ranks layers by their influence on calibration text (--calibration FILE)");
  const { keep, removed } = split(bi, dropCount(c.nLayer, sparsity));
  const out = new Map<string, NamedArray>();
  for (const [name, t] of arrays) {
    const m = /^blk\.(\d+)\.(.*)$/.exec(name);
    if (!m) out.set(name, t);
    else if (keep.includes(Number(m[1]))) out.set(`blk.${keep.indexOf(Number(m[1]))}.${m[2]}`, t);
  }
  return { config: { ...c, nLayer: keep.length }, arrays: out, removed: [removed] };
}

/** Remove heads, FFN neurons or layers; returns the smaller config and its tensors (inputs are not modified). */
export function pruneStructured(config: ModelConfig, arrays: Map<string, NamedArray>, method: StructuredMethod, sparsity: number,
  cal: Calibration | null): StructuredResult {
  if (!(sparsity >= 0 && sparsity < 1)) throw new ArgumentError("prune", `sparsity must be in [0, 1) but is ${sparsity}`);
  if ((config.nExpert ?? 0) > 0 && method !== "layers") {
    throw new UnsupportedError("prune", `${method} pruning of mixture-of-experts blocks is not supported (layers is)`);
  }
  if (method === "ffn") return pruneFfn(config, arrays, sparsity, cal);
  if (method === "heads") return pruneHeads(config, arrays, sparsity, cal);
  return pruneLayers(config, arrays, sparsity, cal);
}
