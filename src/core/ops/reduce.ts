// Reductions (sum, mean, max over axes) and their gradients.
import { kernels } from "../../backend/registry.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { normAxis, numel } from "../shape.js";
import { contiguous, expand, reshape } from "./view.js";
import { f32Tensor, floatData } from "./util.js";

type Axes = number | readonly number[] | undefined;

function axesOf(op: string, x: Tensor, axes: Axes): number[] {
  const list = axes === undefined ? [...Array(x.rank).keys()] : typeof axes === "number" ? [axes] : [...axes];
  return [...new Set(list.map((a) => normAxis(op, a, x.rank)))].sort((a, b) => a - b);
}

/** Reduce one axis with the kernel; keeps the axis as size 1. */
function reduceAxis(op: "sum" | "max", x: Tensor, axis: number): Tensor {
  const data = floatData(op, x);
  const outer = numel(x.shape.slice(0, axis)), n = x.shape[axis]!, inner = numel(x.shape.slice(axis + 1));
  const out = new Float32Array(outer * inner);
  kernels().reduce(op, data, out, outer, n, inner);
  const shape = [...x.shape];
  shape[axis] = 1;
  return f32Tensor(out, shape);
}

function finishShape(x: Tensor, axes: number[], keepdim: boolean): number[] {
  return keepdim ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const ax = axesOf("sum", x, axes);
  let r = x.detach();
  for (const a of ax) r = reduceAxis("sum", r, a);
  const kept = finishShape(x, ax, true);
  const out = f32Tensor(r.f32(), finishShape(x, ax, keepdim));
  return record(out, "sum", [x], (g) => [contiguous(expand(reshape(g, kept), x.shape))]);
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const ax = axesOf("mean", x, axes);
  const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
  const s = sum(x, ax, keepdim);
  const out = f32Tensor(s.f32().map((v) => v / count), s.shape);
  return record(out, "mean", [x], (g) => {
    const kept = finishShape(x, ax, true);
    const gs = f32Tensor(g.f32().map((v) => v / count), kept);
    return [contiguous(expand(gs, x.shape))];
  });
}

/** Max over one axis; the gradient is shared evenly between tied maxima. */
export function max(x: Tensor, axis = -1, keepdim = false): Tensor {
  const a = normAxis("max", axis, x.rank);
  const m = reduceAxis("max", x.detach(), a);
  const out = f32Tensor(m.f32(), finishShape(x, [a], keepdim));
  return record(out, "max", [x], (g) => {
    const xd = x.f32();
    const mb = contiguous(expand(m, x.shape)).f32();
    const gb = contiguous(expand(reshape(g, m.shape), x.shape)).f32();
    const hit = new Float32Array(xd.length);
    for (let i = 0; i < xd.length; i++) hit[i] = xd[i] === mb[i] ? 1 : 0;
    const counts = reduceAxis("sum", f32Tensor(hit, x.shape), a);
    const cb = contiguous(expand(counts, x.shape)).f32();
    for (let i = 0; i < hit.length; i++) hit[i] = (hit[i]! * gb[i]!) / cb[i]!;
    return [f32Tensor(hit, x.shape)];
  });
}
