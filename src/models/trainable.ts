// A WeightSource of fresh trainable f32 parameters (from-scratch training), or of f32 copies of any source's
// weights (full fine-tuning): the same architecture code then trains with autograd.
import { Tensor, fromArray } from "../core/tensor.js";

import { Embedding, Linear } from "../nn/layers.js";
import { ExpertBank } from "../nn/moe-experts.js";
import type { WeightSource } from "./weights.js";
import type { ModelConfig } from "./config.js";
import { randomWeights, type NamedArray } from "./random.js";

/** Parameters keyed by GGUF name; a name asked for twice (tied output) returns the same tensor. */
export class TrainableWeights implements WeightSource {
  private readonly params = new Map<string, Tensor>();

  constructor(private readonly init: Map<string, NamedArray>) {}

  /** Fresh weights for a config (the same init as randomWeights, scaled for training). */
  static random(cfg: ModelConfig, seed = 1): TrainableWeights {
    return new TrainableWeights(randomWeights(cfg, seed));
  }

  private param(name: string, shape: number[]): Tensor {
    let p = this.params.get(name);
    if (!p) {
      const src = this.init.get(name);
      const data = src ? src.data.slice() : new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(name.includes("norm") ? 1 : 0);
      p = fromArray(data, shape, true);
      this.params.set(name, p);
    }
    return p;
  }

  has(name: string): boolean {
    return this.init.has(`${name}.weight`);
  }

  linear(name: string, N: number, K: number, bias: boolean): Linear {
    return new Linear(this.param(`${name}.weight`, [N, K]), bias ? this.param(`${name}.bias`, [N]) : null);
  }

  vector(name: string, n: number): Tensor {
    return this.param(name.endsWith(".weight") || name.endsWith(".bias") ? name : `${name}.weight`, [n]);
  }

  /** E expert matrices [N, K] as one parameter [E, N, K]. */
  experts(name: string, E: number, N: number, K: number): ExpertBank {
    return ExpertBank.fromParam(this.param(`${name}.weight`, [E, N, K]));
  }

  embedding(name: string, V: number, C: number): Embedding {
    return new Embedding(this.param(`${name}.weight`, [V, C]));
  }

  /** Every parameter by GGUF name (for saving and optimisers). */
  named(): Map<string, Tensor> {
    return this.params;
  }
}

