// Elementwise unary ops (exp, log, silu, gelu, ...) and scalar affine maps, with their gradients.
import type { UnaryOp } from "../../backend/contract.js";
import { kernels } from "../../backend/registry.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { f32Tensor, floatData } from "./util.js";
import { f16ToF32, f32ToF16 } from "../../dtype/half.js";
import { geluTanh as geluTanhScalar } from "../../backend/ref/math.js";

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  const xd = floatData(op, x);
  const y = new Float32Array(xd.length);
  kernels().unary(op, xd, y);
  const out = f32Tensor(y, x.shape);
  return record(out, op, [x], (g) => {
    const dx = new Float32Array(xd.length);
    kernels().unaryBackward(op, xd, y, g.f32(), dx);
    return [f32Tensor(dx, x.shape)];
  });
}

export const neg = (x: Tensor): Tensor => unaryOp("neg", x);
export const exp = (x: Tensor): Tensor => unaryOp("exp", x);
export const log = (x: Tensor): Tensor => unaryOp("log", x);
export const sqrt = (x: Tensor): Tensor => unaryOp("sqrt", x);
export const rsqrt = (x: Tensor): Tensor => unaryOp("rsqrt", x);
export const abs = (x: Tensor): Tensor => unaryOp("abs", x);
export const relu = (x: Tensor): Tensor => unaryOp("relu", x);
export const sigmoid = (x: Tensor): Tensor => unaryOp("sigmoid", x);
export const tanh = (x: Tensor): Tensor => unaryOp("tanh", x);
export const silu = (x: Tensor): Tensor => unaryOp("silu", x);
/** GELU, tanh approximation (GPT-2) by default or exact erf form. */
export const gelu = (x: Tensor, approximate: "tanh" | "none" = "tanh"): Tensor =>
  unaryOp(approximate === "tanh" ? "geluTanh" : "geluErf", x);

/** x * alpha + beta. */
export function affine(x: Tensor, alpha: number, beta = 0): Tensor {
  const xd = floatData("affine", x);
  const y = new Float32Array(xd.length);
  kernels().affine(xd, y, alpha, beta);
  return record(f32Tensor(y, x.shape), "affine", [x], (g) => [affine(g, alpha)]);
}

export const scale = (x: Tensor, alpha: number): Tensor => affine(x, alpha, 0);
export const addScalar = (x: Tensor, beta: number): Tensor => affine(x, 1, beta);

/** GELU (tanh form) as ggml computes it on CPU: input rounded to f16, result read from an f16 table, and
 *  identity/zero beyond +-10. Used for GGUF models so outputs match llama.cpp; the gradient is geluTanh's. */
export function geluGgml(x: Tensor): Tensor {
  const xd = floatData("geluGgml", x);
  const y = new Float32Array(xd.length);
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    y[i] = v <= -10 ? 0 : v >= 10 ? v : f16ToF32(f32ToF16(geluTanhScalar(f16ToF32(f32ToF16(v)))));
  }
  return record(f32Tensor(y, x.shape), "geluGgml", [x], (g) => {
    const dx = new Float32Array(xd.length);
    kernels().unaryBackward("geluTanh", xd, y, g.f32(), dx);
    return [f32Tensor(dx, x.shape)];
  });
}
