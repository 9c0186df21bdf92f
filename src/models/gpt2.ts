// The gpt2 architecture: learned positions, LayerNorm with bias, fused qkv, GELU MLP, tied or untied output.
import { Tensor, fromArray } from "../core/tensor.js";
import { add } from "../core/ops/binary.js";
import { gelu, geluGgml } from "../core/ops/unary.js";
import { layerNorm } from "../core/ops/norm.js";
import { Module } from "../nn/module.js";
import { SelfAttention, type Segment } from "../nn/attention.js";
import { KVCache, type KvType } from "../nn/kv-cache.js";
import type { LinearLike } from "../nn/linear-like.js";
import type { ModelConfig } from "./config.js";
import type { WeightSource } from "./weights.js";
import { lastRows, outputPositions, withPrefix, type ForwardOptions } from "./llama.js";
import { ValueError } from "../util/errors.js";

interface Norm {
  w: Tensor;
  b: Tensor;
}

class Gpt2Block extends Module {
  constructor(readonly ln1: Norm, readonly attn: SelfAttention, readonly ln2: Norm,
    readonly up: LinearLike, readonly down: LinearLike, readonly eps: number, readonly ggmlGelu: boolean) {
    super();
  }

  forward(x: Tensor, pos0: number, cache: KVCache | null): Tensor {
    return this.ffn(add(x, this.attn.forward(layerNorm(x, this.ln1.w, this.ln1.b, this.eps), pos0, cache)));
  }

  forwardPacked(x: Tensor, segs: readonly Segment[]): Tensor {
    return this.ffn(add(x, this.attn.forwardPacked(layerNorm(x, this.ln1.w, this.ln1.b, this.eps), segs)));
  }

  private ffn(h: Tensor): Tensor {
    const u = this.up.forward(layerNorm(h, this.ln2.w, this.ln2.b, this.eps));
    const m = this.down.forward(this.ggmlGelu ? geluGgml(u) : gelu(u, "tanh"));
    return add(h, m);
  }
}

export class Gpt2Model extends Module {
  readonly tokEmbd: Module & { forward(ids: Tensor): Tensor };
  readonly posEmbd: Module & { forward(ids: Tensor): Tensor };
  readonly blocks: Gpt2Block[];
  readonly outputNorm: Norm;
  readonly output: LinearLike;

  constructor(readonly config: ModelConfig, w: WeightSource) {
    super();
    const c = config;
    const norm = (n: string): Norm => ({ w: w.vector(`${n}.weight`, c.dim, "ones"), b: w.vector(`${n}.bias`, c.dim, "zeros") });
    this.tokEmbd = w.embedding("token_embd", c.vocabSize, c.dim);
    this.posEmbd = w.embedding("position_embd", c.contextLength, c.dim);
    this.blocks = Array.from({ length: c.nLayer }, (_, i) => {
      const p = `blk.${i}.`;
      const attn = new SelfAttention({ qkv: w.linear(p + "attn_qkv", 3 * c.dim, c.dim, true) }, w.linear(p + "attn_output", c.dim, c.dim, true),
        { nHead: c.nHead, nHeadKv: c.nHead, headDim: c.headDim, rope: null, slidingWindow: 0 }, i);
      return new Gpt2Block(norm(p + "attn_norm"), attn, norm(p + "ffn_norm"), w.linear(p + "ffn_up", c.ffnDim, c.dim, true),
        w.linear(p + "ffn_down", c.dim, c.ffnDim, true), c.normEps, c.ggmlGelu ?? false);
    });
    this.outputNorm = norm("output_norm");
    this.output = c.tiedEmbeddings || !w.has("output") ? w.linear("token_embd", c.vocabSize, c.dim, false) : w.linear("output", c.vocabSize, c.dim, false);
  }

  makeCache(ctx: number, type: KvType = "f32"): KVCache {
    return new KVCache(this.config.nLayer, ctx, this.config.nHead, this.config.headDim, type);
  }

  forward(tokens: Tensor | Int32Array, cache: KVCache | null = null, opts: ForwardOptions = {}): Tensor {
    const ids = tokens instanceof Tensor ? tokens : fromArray(tokens, [1, tokens.length]);
    const B = ids.shape[0]!, n = opts.prefix?.shape[0] ?? 0, T = ids.shape[1]! + n;
    const pos0 = cache ? cache.length : 0;
    if (pos0 + T > this.config.contextLength) {
      throw new ValueError("gpt2", `position ${pos0 + T} exceeds the learned positions (${this.config.contextLength})`);
    }
    const pos = new Int32Array(B * T).map((_, i) => pos0 + (i % T));
    let x = add(withPrefix(this.tokEmbd.forward(ids), opts.prefix), this.posEmbd.forward(fromArray(pos, [B, T])));
    for (const b of this.blocks) x = b.forward(x, pos0, cache);
    cache?.commit(T);
    x = outputPositions(x, n, opts.allLogits ?? false);
    return this.output.forward(layerNorm(x, this.outputNorm.w, this.outputNorm.b, this.config.normEps));
  }

  /** One step for several sequences, each on its own cache (see LlamaModel.forwardMany): logits [S, V]. */
  forwardMany(items: readonly { tokens: Int32Array; cache: KVCache }[]): Tensor {
    const segs = items.map((it) => ({ len: it.tokens.length, pos0: it.cache.length, cache: it.cache }));
    const N = segs.reduce((n, s) => n + s.len, 0);
    const ids = new Int32Array(N), pos = new Int32Array(N);
    let at = 0;
    for (const [i, it] of items.entries()) {
      if (segs[i]!.pos0 + it.tokens.length > this.config.contextLength) {
        throw new ValueError("gpt2", `position ${segs[i]!.pos0 + it.tokens.length} exceeds the learned positions (${this.config.contextLength})`);
      }
      for (let t = 0; t < it.tokens.length; t++, at++) {
        ids[at] = it.tokens[t]!;
        pos[at] = segs[i]!.pos0 + t;
      }
    }
    let x = add(this.tokEmbd.forward(fromArray(ids, [1, N])), this.posEmbd.forward(fromArray(pos, [1, N])));
    for (const b of this.blocks) x = b.forwardPacked(x, segs);
    items.forEach((it) => it.cache.commit(it.tokens.length));
    return this.output.forward(layerNorm(lastRows(x, segs), this.outputNorm.w, this.outputNorm.b, this.config.normEps));
  }
}
