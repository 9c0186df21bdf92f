// Broadcasting binary ops (add, sub, mul, div, pow, maximum, minimum) with their gradients.
import type { BinaryOp } from "../../backend/contract.js";
import { kernels } from "../../backend/registry.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { broadcastShapes, numel } from "../shape.js";
import { sumToShape } from "./view.js";
import { f32Tensor, wrapScalar } from "./util.js";
import { DTypeError } from "../../util/errors.js";
import { log } from "./unary.js";

/** Strides that read `t` broadcast to `shape` (0 on broadcast axes). */
function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const lead = shape.length - t.rank;
  return shape.map((_, i) => (i < lead || t.shape[i - lead] === 1 ? 0 : t.strides[i - lead]!));
}

function f32Source(op: string, t: Tensor): Tensor {
  if (t.dtype === "f32") return t;
  if (t.dtype === "i32") throw new DTypeError(op, `expected a float tensor but got i32`);
  return t.to("f32");
}

function binaryForward(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const sa = f32Source(op, a), sb = f32Source(op, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = new Float32Array(numel(shape));
  kernels().binary(op, sa.storage as Float32Array, sb.storage as Float32Array, out, {
    shape,
    stridesA: broadcastStrides(sa, shape),
    stridesB: broadcastStrides(sb, shape),
    offsetA: sa.offset,
    offsetB: sb.offset,
  });
  return f32Tensor(out, shape);
}

export function add(a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [wrapScalar(a), wrapScalar(b)];
  return record(binaryForward("add", x, y), "add", [x, y], (g) => [
    x.requiresGrad ? sumToShape(g, x.shape) : null,
    y.requiresGrad ? sumToShape(g, y.shape) : null,
  ]);
}

export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [wrapScalar(a), wrapScalar(b)];
  return record(binaryForward("sub", x, y), "sub", [x, y], (g) => [
    x.requiresGrad ? sumToShape(g, x.shape) : null,
    y.requiresGrad ? sumToShape(binaryForward("mul", g, wrapScalar(-1)), y.shape) : null,
  ]);
}

export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [wrapScalar(a), wrapScalar(b)];
  return record(binaryForward("mul", x, y), "mul", [x, y], (g) => [
    x.requiresGrad ? sumToShape(binaryForward("mul", g, y), x.shape) : null,
    y.requiresGrad ? sumToShape(binaryForward("mul", g, x), y.shape) : null,
  ]);
}

export function div(a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [wrapScalar(a), wrapScalar(b)];
  const out = binaryForward("div", x, y);
  return record(out, "div", [x, y], (g) => {
    const gx = binaryForward("div", g, y);
    // d(x/y)/dy = -(x/y)/y, so gy = -(g/y) * out
    const gy = y.requiresGrad ? binaryForward("mul", gx, binaryForward("mul", out, wrapScalar(-1))) : null;
    return [x.requiresGrad ? sumToShape(gx, x.shape) : null, gy ? sumToShape(gy, y.shape) : null];
  });
}

/** a ** b elementwise (b may be a number). */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [wrapScalar(a), wrapScalar(b)];
  const out = binaryForward("pow", x, y);
  return record(out, "pow", [x, y], (g) => [
    // d/dx = y * x^(y-1)
    x.requiresGrad
      ? sumToShape(binaryForward("mul", g, binaryForward("mul", y, binaryForward("pow", x, binaryForward("sub", y, wrapScalar(1))))), x.shape)
      : null,
    // d/dy = x^y * ln x
    y.requiresGrad ? sumToShape(binaryForward("mul", g, binaryForward("mul", out, log(x))), y.shape) : null,
  ]);
}

function selectGrad(op: "max" | "min", x: Tensor, y: Tensor, out: Tensor, g: Tensor, forX: boolean): Tensor {
  // route the gradient to the input that won; ties split evenly
  const shape = out.shape;
  const xs = binaryForward("add", x, wrapScalar(0)), ys = binaryForward("add", y, wrapScalar(0));
  const xb = expandValues(xs, shape), yb = expandValues(ys, shape), gd = g.f32();
  const res = new Float32Array(gd.length);
  for (let i = 0; i < res.length; i++) {
    const win = forX ? xb[i]! : yb[i]!, other = forX ? yb[i]! : xb[i]!;
    const better = op === "max" ? win > other : win < other;
    res[i] = better ? gd[i]! : win === other ? gd[i]! / 2 : 0;
  }
  return sumToShape(f32Tensor(res, shape), forX ? x.shape : y.shape);
}

function expandValues(t: Tensor, shape: readonly number[]): Float32Array {
  return binaryForward("add", t, new Tensor(new Float32Array(numel(shape)), [...shape], "f32")).f32();
}

export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [wrapScalar(a), wrapScalar(b)];
  const out = binaryForward("max", x, y);
  return record(out, "maximum", [x, y], (g) => [selectGrad("max", x, y, out, g, true), selectGrad("max", x, y, out, g, false)]);
}

export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [wrapScalar(a), wrapScalar(b)];
  const out = binaryForward("min", x, y);
  return record(out, "minimum", [x, y], (g) => [selectGrad("min", x, y, out, g, true), selectGrad("min", x, y, out, g, false)]);
}
