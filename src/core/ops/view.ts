// View ops (reshape, permute, transpose, slice, expand) and copies (contiguous, concat, split).
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { contiguousStrides, fmt, normAxis, numel, sameShape, type Shape } from "../shape.js";
import { allocate } from "../dtype.js";
import { ShapeError } from "../../util/errors.js";

/** A row-major copy (identity gradient). Returns x itself when already contiguous at offset 0. */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous() && x.offset === 0 && x.storage.length === x.size) return x;
  const out = new Tensor(x.contiguousStorage().slice(), [...x.shape], x.dtype);
  return record(out, "contiguous", [x], (g) => [g]);
}

/** Same elements in a new shape; one dimension may be -1. A view when x is contiguous. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const sh = resolveShape(x, shape);
  if (sameShape(sh, x.shape)) return x;
  const src = x.isContiguous() ? x : contiguous(x);
  const out = new Tensor(src.storage, sh, x.dtype, contiguousStrides(sh), src.offset);
  return record(out, "reshape", [src], (g) => [reshape(g, src.shape)]);
}

function resolveShape(x: Tensor, shape: Shape): number[] {
  const sh = [...shape];
  const neg = sh.indexOf(-1);
  if (neg >= 0) {
    const rest = numel(sh.filter((_, i) => i !== neg));
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError("reshape", `cannot infer -1 in ${fmt(shape)} for ${x.size} elements`);
    sh[neg] = x.size / rest;
  }
  if (sh.some((d) => !Number.isSafeInteger(d) || d < 0) || numel(sh) !== x.size) {
    throw new ShapeError("reshape", `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  }
  return sh;
}

/** Reorder axes: out.shape[i] = x.shape[perm[i]]. Always a view. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank || new Set(perm.map((p) => normAxis("permute", p, x.rank))).size !== x.rank) {
    throw new ShapeError("permute", `${fmt(perm)} is not a permutation of ${x.rank} axes`);
  }
  const p = perm.map((a) => normAxis("permute", a, x.rank));
  const out = new Tensor(x.storage, p.map((a) => x.shape[a]!), x.dtype, p.map((a) => x.strides[a]!), x.offset);
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => (inv[a] = i));
  return record(out, "permute", [x], (g) => [permute(g, inv)]);
}

/** Swap two axes (default: the last two). */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = [...Array(x.rank).keys()];
  const i = normAxis("transpose", a, x.rank), j = normAxis("transpose", b, x.rank);
  [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  return permute(x, perm);
}

/** Elements [start, end) along `axis` (a view). Negative bounds count from the end. */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const ax = normAxis("slice", axis, x.rank);
  const n = x.shape[ax]!;
  const s = start < 0 ? start + n : start;
  const e = end === undefined ? n : end < 0 ? end + n : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > n || s > e) {
    throw new ShapeError("slice", `range [${start}, ${end ?? n}) is invalid for axis ${axis} of size ${n}`);
  }
  const shape = [...x.shape];
  shape[ax] = e - s;
  const out = new Tensor(x.storage, shape, x.dtype, x.strides, x.offset + s * x.strides[ax]!);
  return record(out, "slice", [x], (g) => [padAxis(g, ax, s, n)]);
}

/** g placed at [start, start + g.shape[axis]) of a zero tensor whose axis has size n. */
function padAxis(g: Tensor, axis: number, start: number, n: number): Tensor {
  const shape = [...g.shape];
  shape[axis] = n;
  const out = allocate("f32", numel(shape)) as Float32Array;
  const src = g.f32();
  const inner = numel(g.shape.slice(axis + 1));
  const rows = numel(g.shape.slice(0, axis));
  const len = g.shape[axis]! * inner;
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * len, (r + 1) * len), (r * n + start) * inner);
  return new Tensor(out, shape, "f32");
}

/** Broadcast size-1 axes (and new leading axes) to `shape` without copying (stride 0). */
export function expand(x: Tensor, shape: Shape): Tensor {
  if (shape.length < x.rank) throw new ShapeError("expand", `cannot expand ${fmt(x.shape)} to fewer dims ${fmt(shape)}`);
  const lead = shape.length - x.rank;
  const strides = shape.map((d, i) => {
    if (i < lead) return 0;
    const xd = x.shape[i - lead]!;
    if (xd === d) return x.strides[i - lead]!;
    if (xd === 1) return 0;
    throw new ShapeError("expand", `cannot expand ${fmt(x.shape)} to ${fmt(shape)} (axis ${i}: ${xd} vs ${d})`);
  });
  if (sameShape(shape, x.shape)) return x;
  const out = new Tensor(x.storage, [...shape], x.dtype, strides, x.offset);
  return record(out, "expand", [x], (g) => [sumToShape(g, x.shape)]);
}

/** Sum g over broadcast axes so it has `shape` (the transpose of broadcasting). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const src = g.f32();
  const out = new Float32Array(numel(shape));
  const outStrides = contiguousStrides(shape);
  const idx = new Array<number>(g.rank).fill(0);
  for (let i = 0; i < src.length; i++) {
    let o = 0;
    for (let d = lead; d < g.rank; d++) if (shape[d - lead] !== 1) o += idx[d]! * outStrides[d - lead]!;
    out[o]! += src[i]!;
    for (let d = g.rank - 1; d >= 0; d--) {
      if (++idx[d]! < g.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return new Tensor(out, [...shape], "f32");
}

/** Join tensors along `axis`. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError("concat", "needs at least one tensor");
  const first = xs[0]!;
  const ax = normAxis("concat", axis, first.rank);
  for (const t of xs) {
    if (t.rank !== first.rank || t.dtype !== first.dtype || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError("concat", `cannot join ${fmt(t.shape)} (${t.dtype}) with ${fmt(first.shape)} (${first.dtype}) on axis ${ax}`);
    }
  }
  const shape = [...first.shape];
  shape[ax] = xs.reduce((s, t) => s + t.shape[ax]!, 0);
  const out = allocate(first.dtype, numel(shape));
  const rows = numel(shape.slice(0, ax)), inner = numel(shape.slice(ax + 1));
  let at = 0;
  for (const t of xs) {
    const src = t.contiguousStorage();
    const len = t.shape[ax]! * inner;
    for (let r = 0; r < rows; r++) out.set(src.subarray(r * len, (r + 1) * len), r * shape[ax]! * inner + at);
    at += len;
  }
  const bounds = xs.map((t) => t.shape[ax]!);
  const res = new Tensor(out, shape, first.dtype);
  return record(res, "concat", xs, (g) => {
    let s = 0;
    return bounds.map((n) => contiguous(slice(g, ax, s, (s += n))));
  });
}

/** Split along `axis` into pieces of the given sizes (views). */
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const ax = normAxis("split", axis, x.rank);
  if (sizes.reduce((a, b) => a + b, 0) !== x.shape[ax]) {
    throw new ShapeError("split", `sizes ${fmt(sizes)} do not add up to axis ${ax} of size ${x.shape[ax]}`);
  }
  let s = 0;
  return sizes.map((n) => slice(x, ax, s, (s += n)));
}

/** Insert / remove a size-1 axis. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis("unsqueeze", axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(ax, 0, 1);
  return reshape(x, shape);
}

export function squeeze(x: Tensor, axis: number): Tensor {
  const ax = normAxis("squeeze", axis, x.rank);
  if (x.shape[ax] !== 1) throw new ShapeError("squeeze", `axis ${ax} has size ${x.shape[ax]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== ax));
}
