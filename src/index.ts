// weft's library API: tensors and autograd, layers, optimisers, backends.
export * from "./core/index.js";
export { Module } from "./nn/module.js";
export { Linear, Embedding, RMSNorm, LayerNorm } from "./nn/layers.js";
export { AdamW, SGD, type Optimizer } from "./train/optim.js";
export { backendName, nativeAvailable, setBackend, setThreads } from "./backend/registry.js";
export * from "./util/errors.js";
