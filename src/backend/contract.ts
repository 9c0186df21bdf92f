// The kernel contract: every backend implements these over plain typed arrays, sizes and strides.
// Kernels never see a Tensor. Inputs are read-only; `out` is fully written. All compute is f32.
// Shapes use DESIGN.md letters: B batch, T time, S key length, C channels, H heads, Hkv kv-heads, D head dim.

import type { GgmlTypeName } from "../dtype/ggml.js";

export type F32 = Float32Array;
export type I32 = Int32Array;

export type UnaryOp =
  | "neg" | "exp" | "log" | "sqrt" | "rsqrt" | "abs" | "relu" | "sigmoid" | "tanh"
  | "silu" | "geluTanh" | "geluErf";
export type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "max" | "min";
export type ReduceOp = "sum" | "max";

/** Batched C[b] = op(A[b]) x op(B[b]) (+ C[b] when accumulate). Row-major, with optional transposes.
 *  A[b] is [M, K] (stored [K, M] when transA); B[b] is [K, N] (stored [N, K] when transB).
 *  Batch strides are in elements; 0 broadcasts one matrix over the batch. */
export interface MatmulParams {
  batch: number;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  strideA: number;
  strideB: number;
  strideC: number;
  accumulate: boolean;
}

/** Strided elementwise layout: out is contiguous with `shape`; a and b are read through their own
 *  element strides over the same shape (stride 0 = broadcast) starting at their offsets. */
export interface BinaryLayout {
  shape: number[];
  stridesA: number[];
  stridesB: number[];
  offsetA: number;
  offsetB: number;
}

/** Rotary embedding over x laid out [B, T, H, D] contiguous; rotates the first `nRot` of each head.
 *  Position of (b, t) is positions[b * T + t]. neox=false pairs (2i, 2i+1) (llama/GGML "normal"),
 *  neox=true pairs (i, i + nRot/2). invFreq has nRot/2 entries (theta_i, already scaled).
 *  `inverse` rotates by -angle (the vector-Jacobian product). attnFactor scales cos and sin (YaRN). */
export interface RopeParams {
  B: number;
  T: number;
  H: number;
  D: number;
  nRot: number;
  neox: boolean;
  inverse: boolean;
  attnFactor: number;
}

/** Scaled dot-product attention. q [B, T, H, D], k and v [B, S, Hkv, D], out [B, T, H, D], all contiguous.
 *  Query t sits at absolute position qPos0 + t, key s at position s. causal masks s > qPos0 + t;
 *  window > 0 also masks s <= qPos0 + t - window. mask, when given, is additive [T, S].
 *  H must be a multiple of Hkv (grouped-query). */
export interface AttentionParams {
  B: number;
  T: number;
  S: number;
  H: number;
  Hkv: number;
  D: number;
  scale: number;
  causal: boolean;
  window: number;
  qPos0: number;
}

export interface Kernels {
  readonly name: string;

  matmul(a: F32, b: F32, out: F32, p: MatmulParams): void;
  /** out[M, N] = x[M, K] · W^T, W is [N, K] rows stored as raw bytes of GGML type `wType`
   *  (F32, F16, BF16 and the GGUF block types). The inference hot path: decode is M = 1.
   *  As in ggml, x is first rounded to the weight's dot-product type (F16 for F16 weights, BF16 for
   *  BF16, Q8_0/Q8_1/Q8_K for block types; see ref/linear.ts activationType) so results match llama.cpp. */
  linear(x: F32, w: Uint8Array, wType: GgmlTypeName, out: F32, M: number, N: number, K: number): void;

  unary(op: UnaryOp, x: F32, out: F32): void;
  /** dx = dy * f'(x) for the unary op, computed from x (and y = f(x) where cheaper). */
  unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, dx: F32): void;
  binary(op: BinaryOp, a: F32, b: F32, out: F32, layout: BinaryLayout): void;
  /** out[i] = a[i] * alpha + beta (scale/shift; used for scalar ops). */
  affine(x: F32, out: F32, alpha: number, beta: number): void;

  /** x viewed as [outer, n, inner]; out is [outer, inner]. */
  reduce(op: ReduceOp, x: F32, out: F32, outer: number, n: number, inner: number): void;

  /** Row softmax over the last axis of x [rows, cols]. logSoftmax when `log`. */
  softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void;
  /** out = x * rsqrt(mean(x^2) + eps) * w, rows of length cols; rstd[rows] receives the rsqrt. */
  rmsNorm(x: F32, w: F32 | null, out: F32, rstd: F32, rows: number, cols: number, eps: number): void;
  /** out = (x - mean) * rstd * w + b; mean[rows] and rstd[rows] receive the statistics. */
  layerNorm(x: F32, w: F32 | null, b: F32 | null, out: F32, mean: F32, rstd: F32,
    rows: number, cols: number, eps: number): void;

  rope(x: F32, out: F32, positions: I32, invFreq: F32, p: RopeParams): void;
  /** Fused attention forward. lse[B, H, T] receives the log-sum-exp of each query row (for backward). */
  attention(q: F32, k: F32, v: F32, mask: F32 | null, out: F32, lse: F32, p: AttentionParams): void;

  /** out[n, C] = table[ids[n], C]. ids are validated by the caller. */
  gather(table: F32, ids: I32, out: F32, C: number): void;
  /** grad[ids[n], C] += dy[n, C]. */
  scatterAdd(grad: F32, ids: I32, dy: F32, C: number): void;
}

/** Native backends run kernels on a thread pool; ref ignores this. */
export interface Threaded {
  setThreads(n: number): void;
}

/** A backend may leave any kernel out; the registry falls back to ref for it. */
export type PartialKernels = Partial<Omit<Kernels, "name">> & { readonly name: string };
