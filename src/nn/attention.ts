// Causal self-attention block: projections, optional biases, RoPE, grouped-query heads, KV cache.
import { Tensor } from "../core/tensor.js";
import { attention } from "../core/ops/attention.js";
import { rope } from "../core/ops/rope.js";
import { concat, contiguous, reshape, slice, split } from "../core/ops/view.js";
import { Module } from "./module.js";
import type { LinearLike } from "./linear-like.js";
import type { KVCache } from "./kv-cache.js";

export interface AttentionShape {
  nHead: number;
  nHeadKv: number;
  headDim: number;
  /** Rotary settings, or null for models with learned positions (gpt2). */
  rope: { invFreq: Float32Array; attnFactor: number; nRot: number; neox: boolean } | null;
  slidingWindow: number;
}

/** One sequence's rows inside a packed batch [1, N, C] (continuous batching): its length, start position and cache. */
export interface Segment {
  len: number;
  pos0: number;
  cache: KVCache;
}

/** Either separate q/k/v projections or one fused qkv projection (gpt2). */
export type QkvProjection = { q: LinearLike; k: LinearLike; v: LinearLike } | { qkv: LinearLike };

export class SelfAttention extends Module {
  constructor(
    readonly proj: QkvProjection,
    readonly out: LinearLike,
    readonly shape: AttentionShape,
    readonly layer: number,
  ) {
    super();
  }

  /** x [B, T, C] at absolute positions pos0..pos0+T. With a cache (B = 1), keys/values accumulate in it. */
  forward(x: Tensor, pos0: number, cache: KVCache | null): Tensor {
    const [B, T] = x.shape as [number, number];
    const { nHead: H, nHeadKv: Hkv, headDim: D, rope: r } = this.shape;
    let [q, k, v] = this.project(x);
    q = reshape(q, [B, T, H, D]);
    k = reshape(k, [B, T, Hkv, D]);
    v = reshape(v, [B, T, Hkv, D]);
    if (r) {
      const opts = { invFreq: r.invFreq, attnFactor: r.attnFactor, nRot: r.nRot, neox: r.neox };
      q = rope(q, pos0, opts);
      k = rope(k, pos0, opts);
    }
    if (cache) ({ k, v } = cache.append(this.layer, k, v));
    const a = attention(q, k, v, { causal: true, window: this.shape.slidingWindow, qPos0: pos0 });
    return this.out.forward(reshape(a, [B, T, H * D]));
  }

  /** Rows of several sequences packed as [1, N, C]: projections run once over all N rows, attention per sequence. */
  forwardPacked(x: Tensor, segs: readonly Segment[]): Tensor {
    const N = x.shape[1]!;
    const { nHead: H, nHeadKv: Hkv, headDim: D, rope: r } = this.shape;
    let [q, k, v] = this.project(x);
    q = reshape(q, [1, N, H, D]);
    k = reshape(k, [1, N, Hkv, D]);
    v = reshape(v, [1, N, Hkv, D]);
    if (r) {
      const pos = new Int32Array(N);
      let at = 0;
      for (const sg of segs) for (let t = 0; t < sg.len; t++) pos[at++] = sg.pos0 + t;
      const opts = { invFreq: r.invFreq, attnFactor: r.attnFactor, nRot: r.nRot, neox: r.neox };
      q = rope(q, pos, opts);
      k = rope(k, pos, opts);
    }
    const outs: Tensor[] = [];
    let at = 0;
    for (const sg of segs) {
      const rows = (t: Tensor) => slice(t, 1, at, at + sg.len);
      const kv = sg.cache.append(this.layer, contiguous(rows(k)), contiguous(rows(v)));
      outs.push(attention(contiguous(rows(q)), kv.k, kv.v, { causal: true, window: this.shape.slidingWindow, qPos0: sg.pos0 }));
      at += sg.len;
    }
    return this.out.forward(reshape(outs.length === 1 ? outs[0]! : concat(outs, 1), [1, N, H * D]));
  }

  private project(x: Tensor): [Tensor, Tensor, Tensor] {
    if ("qkv" in this.proj) {
      const { nHead: H, nHeadKv: Hkv, headDim: D } = this.shape;
      const [q, k, v] = split(this.proj.qkv.forward(x), [H * D, Hkv * D, Hkv * D], -1);
      return [q!, k!, v!];
    }
    return [this.proj.q.forward(x), this.proj.k.forward(x), this.proj.v.forward(x)];
  }
}
