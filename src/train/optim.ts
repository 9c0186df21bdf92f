// Optimisers over parameter tensors: AdamW (decoupled weight decay, bias correction) and SGD with momentum.
import type { Tensor } from "../core/tensor.js";
import { ArgumentError } from "../util/errors.js";

export interface Optimizer {
  lr: number;
  step(): void;
  zeroGrad(): void;
}

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class AdamW implements Optimizer {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  t = 0;
  readonly m: Float32Array[];
  readonly v: Float32Array[];

  constructor(readonly params: Tensor[], opts: AdamWOptions = {}) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    if (!(this.lr >= 0)) throw new ArgumentError("AdamW", `lr must be >= 0 but is ${this.lr}`);
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  step(): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t, bc2 = 1 - this.beta2 ** this.t;
    this.params.forEach((p, k) => {
      if (!p.grad) return;
      const w = p.storage as Float32Array, g = p.grad.f32(), m = this.m[k]!, v = this.v[k]!;
      const decay = 1 - this.lr * this.weightDecay;
      for (let i = 0; i < g.length; i++) {
        const gi = g[i]!;
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * gi * gi;
        const at = p.offset + i;
        w[at] = w[at]! * decay - (this.lr * (m[i]! / bc1)) / (Math.sqrt(v[i]! / bc2) + this.eps);
      }
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }
}

export class SGD implements Optimizer {
  readonly velocity: Float32Array[];

  constructor(readonly params: Tensor[], public lr = 1e-2, readonly momentum = 0) {
    this.velocity = params.map((p) => new Float32Array(momentum > 0 ? p.size : 0));
  }

  step(): void {
    this.params.forEach((p, k) => {
      if (!p.grad) return;
      const w = p.storage as Float32Array, g = p.grad.f32(), vel = this.velocity[k]!;
      for (let i = 0; i < g.length; i++) {
        let d = g[i]!;
        if (this.momentum > 0) d = vel[i] = this.momentum * vel[i]! + d;
        w[p.offset + i]! -= this.lr * d;
      }
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }
}
