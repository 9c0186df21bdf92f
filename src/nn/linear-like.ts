// The one interface every projection layer offers: Linear (trainable f32), QuantLinear (typed bytes), LoRALinear.
import type { Tensor } from "../core/tensor.js";
import type { Module } from "./module.js";

export interface LinearLike extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  forward(x: Tensor): Tensor;
}
