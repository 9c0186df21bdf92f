// The llama architecture (Llama 2/3, TinyLlama, SmolLM, Mistral; qwen2 via qkv biases and neox RoPE; Mixtral and
// qwen2moe when the config has experts).
import { Tensor, fromArray } from "../core/tensor.js";
import { add, mul } from "../core/ops/binary.js";
import { silu } from "../core/ops/unary.js";
import { rmsNorm } from "../core/ops/norm.js";
import { concat, expand, reshape, slice } from "../core/ops/view.js";
import { Module } from "../nn/module.js";
import { SelfAttention, type Segment } from "../nn/attention.js";
import { KVCache, type KvType } from "../nn/kv-cache.js";
import type { LinearLike } from "../nn/linear-like.js";
import type { ModelConfig } from "./config.js";
import type { WeightSource } from "./weights.js";
import { ropeTables } from "./rope-scaling.js";
import type { MoeFfn } from "../nn/moe.js";
import { buildMoeFfn, isMoe } from "./moe.js";

class GatedMlp extends Module {
  constructor(readonly gate: LinearLike, readonly up: LinearLike, readonly down: LinearLike) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.down.forward(mul(silu(this.gate.forward(x)), this.up.forward(x)));
  }
}

class LlamaBlock extends Module {
  constructor(
    readonly attnNorm: Tensor,
    readonly attn: SelfAttention,
    readonly ffnNorm: Tensor,
    readonly mlp: GatedMlp | MoeFfn,
    readonly eps: number,
  ) {
    super();
  }

  forward(x: Tensor, pos0: number, cache: KVCache | null): Tensor {
    return this.ffn(add(x, this.attn.forward(rmsNorm(x, this.attnNorm, this.eps), pos0, cache)));
  }

  forwardPacked(x: Tensor, segs: readonly Segment[]): Tensor {
    return this.ffn(add(x, this.attn.forwardPacked(rmsNorm(x, this.attnNorm, this.eps), segs)));
  }

  private ffn(h: Tensor): Tensor {
    return add(h, this.mlp.forward(rmsNorm(h, this.ffnNorm, this.eps)));
  }
}

export interface ForwardOptions {
  /** Return logits for every position (training, perplexity) instead of the last one only. */
  allLogits?: boolean;
  /** Soft-prompt embeddings [n, C] placed before the tokens (prompt tuning); their logits are not returned. */
  prefix?: Tensor | null;
}

/** The last row of each segment of a packed [1, N, C]: [S, C]. */
export function lastRows(x: Tensor, segs: readonly Segment[]): Tensor {
  const C = x.shape[2]!, rows: Tensor[] = [];
  let at = 0;
  for (const s of segs) {
    at += s.len;
    rows.push(reshape(slice(x, 1, at - 1, at), [1, C]));
  }
  return rows.length === 1 ? rows[0]! : concat(rows, 0);
}

/** Token embeddings with an optional soft prompt in front: [B, n + T, C]. */
export function withPrefix(x: Tensor, prefix: Tensor | null | undefined): Tensor {
  if (!prefix) return x;
  const [B, , C] = x.shape as [number, number, number];
  return concat([expand(reshape(prefix, [1, prefix.shape[0]!, C]), [B, prefix.shape[0]!, C]), x], 1);
}

/** Hidden states -> the positions whose logits are wanted (drop the soft prompt; the last one unless all). */
export function outputPositions(x: Tensor, nPrefix: number, all: boolean): Tensor {
  const [B, T, C] = x.shape as [number, number, number];
  if (!all) return reshape(slice(x, 1, T - 1, T), [B, C]);
  return nPrefix > 0 ? slice(x, 1, nPrefix, T) : x;
}

export class LlamaModel extends Module {
  readonly tokEmbd: Module & { forward(ids: Tensor): Tensor };
  readonly blocks: LlamaBlock[];
  readonly outputNorm: Tensor;
  readonly output: LinearLike;

  constructor(readonly config: ModelConfig, w: WeightSource) {
    super();
    const c = config;
    const { invFreq, attnFactor } = ropeTables(c);
    const rope = { invFreq, attnFactor, nRot: c.nRot, neox: c.ropeNeox };
    const qDim = c.nHead * c.headDim, kvDim = c.nHeadKv * c.headDim;
    this.tokEmbd = w.embedding("token_embd", c.vocabSize, c.dim);
    this.blocks = Array.from({ length: c.nLayer }, (_, i) => {
      const p = `blk.${i}.`;
      const attn = new SelfAttention(
        {
          q: w.linear(p + "attn_q", qDim, c.dim, c.qkvBias),
          k: w.linear(p + "attn_k", kvDim, c.dim, c.qkvBias),
          v: w.linear(p + "attn_v", kvDim, c.dim, c.qkvBias),
        },
        w.linear(p + "attn_output", c.dim, qDim, false),
        { nHead: c.nHead, nHeadKv: c.nHeadKv, headDim: c.headDim, rope, slidingWindow: c.slidingWindow },
        i,
      );
      const mlp = isMoe(c) ? buildMoeFfn(w, p, c)
        : new GatedMlp(w.linear(p + "ffn_gate", c.ffnDim, c.dim, false), w.linear(p + "ffn_up", c.ffnDim, c.dim, false),
          w.linear(p + "ffn_down", c.dim, c.ffnDim, false));
      return new LlamaBlock(w.vector(p + "attn_norm", c.dim, "ones"), attn, w.vector(p + "ffn_norm", c.dim, "ones"), mlp, c.normEps);
    });
    this.outputNorm = w.vector("output_norm", c.dim, "ones");
    this.output = c.tiedEmbeddings || !w.has("output") ? w.linear("token_embd", c.vocabSize, c.dim, false) : w.linear("output", c.vocabSize, c.dim, false);
  }

  makeCache(ctx: number, type: KvType = "f32"): KVCache {
    return new KVCache(this.config.nLayer, ctx, this.config.nHeadKv, this.config.headDim, type);
  }

  /** tokens [B, T] (or a flat id list for B = 1) -> logits [B, T, V] (allLogits) or [B, V]. */
  forward(tokens: Tensor | Int32Array, cache: KVCache | null = null, opts: ForwardOptions = {}): Tensor {
    const ids = tokens instanceof Tensor ? tokens : fromArray(tokens, [1, tokens.length]);
    const pos0 = cache ? cache.length : 0;
    let x = withPrefix(this.tokEmbd.forward(ids), opts.prefix);
    for (const b of this.blocks) x = b.forward(x, pos0, cache);
    cache?.commit(x.shape[1]!);
    x = outputPositions(x, opts.prefix?.shape[0] ?? 0, opts.allLogits ?? false);
    return this.output.forward(rmsNorm(x, this.outputNorm, this.config.normEps));
  }

  /** One step for several sequences at once (continuous batching): each gets its tokens appended to its own cache;
   *  returns the last-position logits of each, [S, V]. Projections and the output head run as one batched matmul. */
  forwardMany(items: readonly { tokens: Int32Array; cache: KVCache }[]): Tensor {
    const segs = items.map((it) => ({ len: it.tokens.length, pos0: it.cache.length, cache: it.cache }));
    const N = segs.reduce((n, s) => n + s.len, 0);
    const ids = new Int32Array(N);
    let at = 0;
    for (const it of items) {
      ids.set(it.tokens, at);
      at += it.tokens.length;
    }
    let x = this.tokEmbd.forward(fromArray(ids, [1, N]));
    for (const b of this.blocks) x = b.forwardPacked(x, segs);
    items.forEach((it) => it.cache.commit(it.tokens.length));
    return this.output.forward(rmsNorm(lastRows(x, segs), this.outputNorm, this.config.normEps));
  }
}
