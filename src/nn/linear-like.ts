// The one interface every projection layer offers: Linear (trainable f32), QuantLinear (typed bytes), LoRA wrappers.
import type { Tensor } from "../core/tensor.js";
import type { Module } from "./module.js";

export interface LinearLike extends Module {
  forward(x: Tensor): Tensor;
}
