// The reference backend: pure TypeScript kernels, always available, the specification for native ones.
import type { Kernels } from "../contract.js";
import { matmul } from "./matmul.js";
import { linear } from "./linear.js";
import { affine, binary, unary, unaryBackward } from "./elementwise.js";
import { reduce, softmax } from "./reduce.js";
import { layerNorm, rmsNorm } from "./norm.js";
import { rope } from "./rope.js";
import { attention } from "./attention.js";
import { gather, scatterAdd } from "./gather.js";

export const refKernels: Kernels = {
  name: "ref",
  matmul,
  linear,
  unary,
  unaryBackward,
  binary,
  affine,
  reduce,
  softmax,
  rmsNorm,
  layerNorm,
  rope,
  attention,
  gather,
  scatterAdd,
};
