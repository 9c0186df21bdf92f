// Scaled dot-product attention: a fused kernel for the forward pass and a composite twin built from
// matmul/softmax that defines the gradient (replayed during backward) and serves as the parity reference.
import { kernels } from "../../backend/registry.js";
import type { AttentionParams } from "../../backend/contract.js";
import { Tensor } from "../tensor.js";
import { record, withGrad, backward } from "../autograd.js";
import { fmt } from "../shape.js";
import { contiguous, expand, permute, reshape, transpose } from "./view.js";
import { matmul } from "./matmul.js";
import { softmax } from "./softmax.js";
import { add, mul } from "./binary.js";
import { checkRank, f32Tensor, floatData, wrapScalar } from "./util.js";
import { ShapeError } from "../../util/errors.js";
import { visible } from "../../backend/ref/attention.js";

export interface AttentionOptions {
  /** Mask keys after the query's position (default true). */
  causal?: boolean;
  /** Sliding window: a query sees at most the last `window` positions (0 = unlimited). */
  window?: number;
  /** Additive mask [T, S] (e.g. -Infinity to hide). */
  mask?: Tensor | null;
  /** Default 1/sqrt(D). */
  scale?: number;
  /** Absolute position of query 0 (keys start at 0): T new queries against a cache of S keys. */
  qPos0?: number;
}

function paramsOf(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): AttentionParams {
  checkRank("attention", q, "q", 4);
  checkRank("attention", k, "k", 4);
  checkRank("attention", v, "v", 4);
  const [B, T, H, D] = q.shape as [number, number, number, number];
  const [Bk, S, Hkv, Dk] = k.shape as [number, number, number, number];
  if (Bk !== B || Dk !== D || fmt(v.shape) !== fmt(k.shape)) {
    throw new ShapeError("attention", `q ${fmt(q.shape)}, k ${fmt(k.shape)} and v ${fmt(v.shape)} do not match as [B,T,H,D], [B,S,Hkv,D]`);
  }
  if (Hkv === 0 || H % Hkv !== 0) throw new ShapeError("attention", `query heads H=${H} must be a multiple of kv heads Hkv=${Hkv}`);
  if (opts.mask && fmt(opts.mask.shape) !== fmt([T, S])) {
    throw new ShapeError("attention", `mask must have shape ${fmt([T, S])} but has ${fmt(opts.mask.shape)}`);
  }
  const causal = opts.causal ?? true;
  const qPos0 = opts.qPos0 ?? (causal ? S - T : 0);
  return { B, T, S, H, Hkv, D, scale: opts.scale ?? 1 / Math.sqrt(D), causal, window: opts.window ?? 0, qPos0 };
}

/** Fused attention: q [B, T, H, D], k/v [B, S, Hkv, D] -> [B, T, H, D]. */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const p = paramsOf(q, k, v, opts);
  const out = new Float32Array(q.size);
  const lse = new Float32Array(p.B * p.H * p.T);
  const mask = opts.mask ? floatData("attention", opts.mask) : null;
  kernels().attention(floatData("attention", q), floatData("attention", k), floatData("attention", v), mask, out, lse, p);
  return record(f32Tensor(out, q.shape), "attention", [q, k, v], (g) => replayGradient(q, k, v, opts, g));
}

/** The VJP of the fused op: run the composite twin on detached copies and backpropagate through it. */
function replayGradient(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions, g: Tensor): (Tensor | null)[] {
  const [qd, kd, vd] = [q, k, v].map((t) => t.detach().requireGrad(t.requiresGrad));
  withGrad(() => {
    const y = attentionComposite(qd!, kd!, vd!, opts);
    if (y.requiresGrad) backward(y, g);
  });
  return [qd!.grad, kd!.grad, vd!.grad];
}

/** Additive mask [T, S] combining causal, window and the user mask. */
function maskTensor(p: AttentionParams, user: Tensor | null | undefined): Tensor | null {
  if (!p.causal && p.window === 0) return user ?? null;
  const m = new Float32Array(p.T * p.S);
  for (let t = 0; t < p.T; t++) for (let s = 0; s < p.S; s++) m[t * p.S + s] = visible(p, t, s) ? 0 : -Infinity;
  const base = f32Tensor(m, [p.T, p.S]);
  return user ? add(base, user) : base;
}

/** Composite twin: the same math from differentiable ops (grouped-query heads are repeated). */
export function attentionComposite(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const p = paramsOf(q, k, v, opts);
  const group = p.H / p.Hkv;
  const qh = permute(q, [0, 2, 1, 3]); // [B, H, T, D]
  const repeat = (t: Tensor): Tensor => {
    const th = permute(t, [0, 2, 1, 3]); // [B, Hkv, S, D]
    if (group === 1) return th;
    const e = expand(reshape(contiguous(th), [p.B, p.Hkv, 1, p.S, p.D]), [p.B, p.Hkv, group, p.S, p.D]);
    return reshape(contiguous(e), [p.B, p.H, p.S, p.D]);
  };
  let scores = mul(matmul(qh, transpose(repeat(k))), wrapScalar(p.scale)); // [B, H, T, S]
  const m = maskTensor(p, opts.mask);
  if (m) scores = add(scores, m);
  const probs = softmax(scores, -1);
  const o = matmul(probs, repeat(v)); // [B, H, T, D]
  return contiguous(permute(o, [0, 2, 1, 3]));
}
