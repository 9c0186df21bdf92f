// Basic trainable layers over f32 parameters: Linear, Embedding, RMSNorm, LayerNorm.
import { Tensor, randn, zeros, ones } from "../core/tensor.js";
import { linear } from "../core/ops/matmul.js";
import { embedding } from "../core/ops/embedding.js";
import { layerNorm, rmsNorm } from "../core/ops/norm.js";
import type { Rng } from "../core/rng.js";
import { Module } from "./module.js";
import type { LinearLike } from "./linear-like.js";

/** y = x W^T + b with W [out, in] (PyTorch layout). */
export class Linear extends Module implements LinearLike {
  constructor(public weight: Tensor, public bias: Tensor | null = null) {
    super();
  }

  /** A fresh layer, W ~ N(0, std^2) with std 1/sqrt(in) by default. */
  static init(inFeatures: number, outFeatures: number, opts: { bias?: boolean; rng?: Rng; std?: number } = {}): Linear {
    const std = opts.std ?? 1 / Math.sqrt(inFeatures);
    return new Linear(randn([outFeatures, inFeatures], { rng: opts.rng, std, requiresGrad: true }),
      opts.bias ? zeros([outFeatures], { requiresGrad: true }) : null);
  }

  get inFeatures(): number {
    return this.weight.shape[1]!;
  }

  get outFeatures(): number {
    return this.weight.shape[0]!;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export class Embedding extends Module {
  constructor(public weight: Tensor) {
    super();
  }

  static init(vocab: number, dim: number, opts: { rng?: Rng; std?: number } = {}): Embedding {
    return new Embedding(randn([vocab, dim], { rng: opts.rng, std: opts.std ?? 0.02, requiresGrad: true }));
  }

  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

export class RMSNorm extends Module {
  weight: Tensor;

  constructor(dim: number, readonly eps = 1e-5) {
    super();
    this.weight = ones([dim], { requiresGrad: true });
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}

export class LayerNorm extends Module {
  weight: Tensor;
  bias: Tensor;

  constructor(dim: number, readonly eps = 1e-5) {
    super();
    this.weight = ones([dim], { requiresGrad: true });
    this.bias = zeros([dim], { requiresGrad: true });
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
