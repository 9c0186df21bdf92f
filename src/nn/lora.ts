// LoRA as a module swap: LoRALinear wraps a frozen base projection with a trainable low-rank update
// y = base(x) + scale * B(A(dropout(x))), A [R, in], B [out, R]; fuse() folds it into a plain Linear.
import { Tensor, fromArray, zeros } from "../core/tensor.js";
import { linear, matmul } from "../core/ops/matmul.js";
import { add, mul } from "../core/ops/binary.js";
import { dropout } from "../core/ops/dropout.js";
import { noGrad } from "../core/autograd.js";
import { Rng } from "../core/rng.js";
import { Module } from "./module.js";
import { Linear } from "./layers.js";
import { QuantLinear } from "./quant-linear.js";
import type { LinearLike } from "./linear-like.js";
import { ArgumentError, UnsupportedError } from "../util/errors.js";

export interface LoraOptions {
  /** R: the rank. */
  rank: number;
  alpha: number;
  dropout?: number;
  /** rsLoRA: scale alpha / sqrt(R) instead of alpha / R. */
  rsLora?: boolean;
  rng?: Rng;
}

export function loraScale(o: Pick<LoraOptions, "rank" | "alpha" | "rsLora">): number {
  return o.rsLora ? o.alpha / Math.sqrt(o.rank) : o.alpha / o.rank;
}

export class LoRALinear extends Module implements LinearLike {
  constructor(
    readonly base: LinearLike,
    public loraA: Tensor,
    public loraB: Tensor,
    readonly scale: number,
    readonly dropoutP = 0,
    private readonly rng = new Rng(0),
  ) {
    super();
  }

  /** Wrap `base` (frozen): A ~ U(-1/sqrt(in), 1/sqrt(in)) (PEFT's kaiming-uniform bound), B = 0, so the model starts unchanged. */
  static fromBase(base: LinearLike, o: LoraOptions): LoRALinear {
    if (!Number.isInteger(o.rank) || o.rank < 1) throw new ArgumentError("lora", `rank must be a positive integer but is ${o.rank}`);
    base.freeze();
    const rng = o.rng ?? new Rng(0);
    const bound = 1 / Math.sqrt(base.inFeatures);
    const a = Float32Array.from({ length: o.rank * base.inFeatures }, () => (rng.uniform() * 2 - 1) * bound);
    return new LoRALinear(base, fromArray(a, [o.rank, base.inFeatures], true), zeros([base.outFeatures, o.rank], { requiresGrad: true }),
      loraScale(o), o.dropout ?? 0, rng);
  }

  get inFeatures(): number {
    return this.base.inFeatures;
  }

  get outFeatures(): number {
    return this.base.outFeatures;
  }

  get rank(): number {
    return this.loraA.shape[0]!;
  }

  forward(x: Tensor): Tensor {
    const h = this.dropoutP > 0 && this.training ? dropout(x, this.dropoutP, { rng: this.rng }) : x;
    return add(this.base.forward(x), mul(linear(linear(h, this.loraA), this.loraB), this.scale));
  }

  /** scale * B A as [out, in]. */
  delta(): Tensor {
    return noGrad(() => mul(matmul(this.loraB, this.loraA), this.scale));
  }

  /** A plain f32 Linear with the update folded in (a quantised base is dequantised). */
  fuse(): Linear {
    return noGrad(() => {
      const w = add(baseWeight(this.base), this.delta());
      const bias = this.base instanceof QuantLinear || this.base instanceof Linear ? this.base.bias : null;
      return new Linear(fromArray(w.f32().slice(), w.shape), bias ? fromArray(bias.f32().slice(), bias.shape) : null);
    });
  }
}

function baseWeight(base: LinearLike): Tensor {
  if (base instanceof Linear) return base.weight;
  if (base instanceof QuantLinear) return base.weight.dequantize();
  throw new UnsupportedError("lora", `cannot fuse into a ${base.constructor.name}`);
}
