// Reference unary, binary (strided broadcast) and affine kernels.
import type { BinaryLayout, BinaryOp, F32, UnaryOp } from "../contract.js";
import { geluErf, geluErfGrad, geluTanh, geluTanhGrad, sigmoid } from "./math.js";

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  relu: (x) => (x > 0 ? x : 0),
  sigmoid,
  tanh: Math.tanh,
  silu: (x) => x * sigmoid(x),
  geluTanh,
  geluErf,
};

/** f'(x) given x and y = f(x). */
const DERIV: Record<UnaryOp, (x: number, y: number) => number> = {
  neg: () => -1,
  exp: (_x, y) => y,
  log: (x) => 1 / x,
  sqrt: (_x, y) => 0.5 / y,
  rsqrt: (x, y) => (-0.5 * y) / x,
  abs: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  relu: (x) => (x > 0 ? 1 : 0),
  sigmoid: (_x, y) => y * (1 - y),
  tanh: (_x, y) => 1 - y * y,
  silu: (x) => {
    const s = sigmoid(x);
    return s * (1 + x * (1 - s));
  },
  geluTanh: (x) => geluTanhGrad(x),
  geluErf: (x) => geluErfGrad(x),
};

export function unary(op: UnaryOp, x: F32, out: F32): void {
  const f = UNARY[op];
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
}

export function unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, dx: F32): void {
  const d = DERIV[op];
  for (let i = 0; i < x.length; i++) dx[i] = dy[i]! * d(x[i]!, y[i]!);
}

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  max: Math.max,
  min: Math.min,
};

/** out (contiguous, layout.shape) = a op b, each read through its strides. */
export function binary(op: BinaryOp, a: F32, b: F32, out: F32, layout: BinaryLayout): void {
  const f = BINARY[op];
  const { shape, stridesA, stridesB } = layout;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = f(a[layout.offsetA]!, b[layout.offsetB]!);
    return;
  }
  const inner = shape[rank - 1]!;
  const sa = stridesA[rank - 1]!, sb = stridesB[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let ia = layout.offsetA, ib = layout.offsetB;
  const total = out.length;
  for (let o = 0; o < total; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = f(a[ia + j * sa]!, b[ib + j * sb]!);
    // advance the outer index (odometer) and the two read offsets
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      ia += stridesA[d]!;
      ib += stridesB[d]!;
      if (idx[d]! < shape[d]!) break;
      ia -= stridesA[d]! * shape[d]!;
      ib -= stridesB[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

export function affine(x: F32, out: F32, alpha: number, beta: number): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * alpha + beta;
}
