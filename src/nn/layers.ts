// Basic layers: Linear, Embedding, RMSNorm, LayerNorm.
import { Tensor, randn, zeros, ones } from "../core/tensor.js";
import { linear } from "../core/ops/matmul.js";
import { embedding } from "../core/ops/embedding.js";
import { layerNorm, rmsNorm } from "../core/ops/norm.js";
import type { Rng } from "../core/rng.js";
import { Module } from "./module.js";

/** y = x W^T + b with W [out, in] (PyTorch layout); init N(0, 1/in). */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, opts: { bias?: boolean; rng?: Rng; std?: number } = {}) {
    super();
    const std = opts.std ?? 1 / Math.sqrt(inFeatures);
    this.weight = randn([outFeatures, inFeatures], { rng: opts.rng, std, requiresGrad: true });
    this.bias = opts.bias ? zeros([outFeatures], { requiresGrad: true }) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export class Embedding extends Module {
  weight: Tensor;

  constructor(vocab: number, dim: number, opts: { rng?: Rng; std?: number } = {}) {
    super();
    this.weight = randn([vocab, dim], { rng: opts.rng, std: opts.std ?? 0.02, requiresGrad: true });
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
