// Public surface of the tensor core: Tensor, factories, autograd and every op.
export * from "./tensor.js";
export * from "./autograd.js";
export * from "./rng.js";
export type { DType } from "./dtype.js";
export * from "./ops/view.js";
export * from "./ops/unary.js";
export * from "./ops/binary.js";
export * from "./ops/reduce.js";
export * from "./ops/matmul.js";
export * from "./ops/softmax.js";
export * from "./ops/norm.js";
export * from "./ops/rope.js";
export * from "./ops/attention.js";
export * from "./ops/embedding.js";
export * from "./ops/loss.js";
export * from "./ops/select.js";
export * from "./ops/dropout.js";
