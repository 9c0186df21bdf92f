// Where a model's layers come from: typed tensors of a loaded file, or fresh trainable parameters.
import type { Tensor } from "../core/tensor.js";
import type { Module } from "../nn/module.js";
import type { LinearLike } from "../nn/linear-like.js";

export interface WeightSource {
  /** A projection with weight [N, K] named `name` (e.g. "blk.0.attn_q"), with bias when `bias`. */
  linear(name: string, N: number, K: number, bias: boolean): LinearLike;
  /** A 1-D parameter (norm weights and biases). */
  vector(name: string, n: number, init: "ones" | "zeros"): Tensor;
  /** The token (or position) embedding table [V, C]. */
  embedding(name: string, V: number, C: number): Module & { forward(ids: Tensor): Tensor };
  /** Whether the source has a tensor (e.g. an untied output head). */
  has(name: string): boolean;
}
