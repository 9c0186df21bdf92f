// Unstructured pruning of the block projections: magnitude (|W|), Wanda (|W| · ‖X_j‖₂, Sun et al. 2023), each
// removing the lowest-scoring fraction of every output row, and 2:4 semi-structured (the two lowest of every four
// consecutive inputs, by Wanda score when calibrated, else magnitude). Embeddings and the output head stay dense.
// Zeros are stored densely: the file keeps its size; the structured methods (prune-structured.ts) shrink it.
import type { NamedArray } from "../models/random.js";
import type { Calibration } from "./imatrix.js";
import { tensorRole } from "./recipes.js";
import { ArgumentError } from "../util/errors.js";

export type UnstructuredMethod = "magnitude" | "wanda" | "2:4";

/** Roles of the projections inside blocks (llama and gpt2 names). */
export const BLOCK_PROJECTIONS = new Set(["attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]);

/** Whether a tensor is a block projection weight (what unstructured pruning touches). */
export function isBlockProjection(name: string): boolean {
  const { role, layer } = tensorRole(name);
  return layer >= 0 && name.endsWith(".weight") && BLOCK_PROJECTIONS.has(role);
}

/** Per-element scores of W [N, K]: |W|, times ‖X_j‖₂ = sqrt(Σ x_j²) for Wanda. */
function scores(w: Float32Array, K: number, colNorm: Float32Array | null): Float32Array {
  const s = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) s[i] = Math.abs(w[i]!) * (colNorm ? colNorm[i % K]! : 1);
  return s;
}

/** Zero the `drop` lowest scores of each row in place; returns the mask (1 = kept). Ties break by column order. */
function pruneRows(w: Float32Array, s: Float32Array, K: number, drop: number): Uint8Array {
  const mask = new Uint8Array(w.length).fill(1), idx = new Uint32Array(K);
  for (let r = 0; r < w.length / K; r++) {
    const o = r * K;
    for (let k = 0; k < K; k++) idx[k] = k;
    const order = Array.from(idx).sort((a, b) => s[o + a]! - s[o + b]! || a - b);
    for (let k = 0; k < drop; k++) {
      w[o + order[k]!] = 0;
      mask[o + order[k]!] = 0;
    }
  }
  return mask;
}

/** 2:4: in every group of four consecutive columns keep the two highest scores (a K % 4 tail stays dense). */
function prune24(w: Float32Array, s: Float32Array): Uint8Array {
  const mask = new Uint8Array(w.length).fill(1), K4 = w.length - (w.length % 4);
  for (let g = 0; g < K4; g += 4) {
    const order = [0, 1, 2, 3].sort((a, b) => s[g + a]! - s[g + b]! || a - b);
    for (const k of order.slice(0, 2)) {
      w[g + k] = 0;
      mask[g + k] = 0;
    }
  }
  return mask;
}

export interface UnstructuredResult {
  /** Kept-weight masks by tensor name (for re-masking after recovery training). */
  masks: Map<string, Uint8Array>;
  /** Zeroed weights over all pruned tensors / their size. */
  sparsity: number;
}

/** Prune the block projections of `arrays` in place. */
export function pruneUnstructured(arrays: Map<string, NamedArray>, method: UnstructuredMethod, sparsity: number,
  cal: Calibration | null): UnstructuredResult {
  if (method === "wanda" && !cal) throw new ArgumentError("prune", "wanda needs calibration text (--calibration FILE)");
  if (method !== "2:4" && !(sparsity >= 0 && sparsity < 1)) throw new ArgumentError("prune", `sparsity must be in [0, 1) but is ${sparsity}`);
  const masks = new Map<string, Uint8Array>();
  let zero = 0, total = 0;
  for (const [name, t] of arrays) {
    if (!isBlockProjection(name)) continue;
    const K = t.shape[1]!;
    const imp = method !== "magnitude" ? cal?.importance(name) : undefined;
    const colNorm = imp ? imp.map((v) => Math.sqrt(v)) : null;
    const s = scores(t.data, K, colNorm);
    let mask: Uint8Array;
    if (method === "2:4") {
      mask = new Uint8Array(t.data.length);
      for (let r = 0; r < t.shape[0]!; r++) mask.set(prune24(t.data.subarray(r * K, (r + 1) * K), s.subarray(r * K, (r + 1) * K)), r * K);
    } else {
      mask = pruneRows(t.data, s, K, Math.floor(sparsity * K));
    }
    masks.set(name, mask);
    for (let i = 0; i < mask.length; i++) zero += 1 - mask[i]!;
    total += mask.length;
  }
  return { masks, sparsity: total > 0 ? zero / total : 0 };
}

/** Re-apply masks (after a dense update such as a fused LoRA). */
export function applyMasks(arrays: Map<string, NamedArray>, masks: Map<string, Uint8Array>): void {
  for (const [name, mask] of masks) {
    const d = arrays.get(name)!.data;
    for (let i = 0; i < d.length; i++) if (mask[i] === 0) d[i] = 0;
  }
}
