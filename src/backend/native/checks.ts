// Cheap size checks run before every native call: the C kernels trust their arguments, so a short buffer
// must become a typed error here instead of an out-of-bounds read in C.
import { ShapeError, ValueError } from "../../util/errors.js";
import type { BinaryLayout } from "../contract.js";

/** A non-negative safe integer. */
export function dim(op: string, what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new ValueError(op, `${what} must be a non-negative integer but is ${v}`);
}

/** buf holds at least `need` elements. */
export function fits(op: string, what: string, buf: { length: number }, need: number): void {
  if (buf.length < need) throw new ShapeError(op, `${what} has ${buf.length} elements but needs ${need}`);
}

/** Every element a strided read can touch, offset + sum (shape[d]-1) * stride[d], lies inside `len`. */
export function stridedFits(op: string, what: string, len: number, shape: number[], strides: number[],
  offset: number): void {
  if (strides.length !== shape.length) {
    throw new ShapeError(op, `${what} has ${strides.length} strides for ${shape.length} dims`);
  }
  let lo = offset, hi = offset;
  for (let d = 0; d < shape.length; d++) {
    const s = strides[d]!, n = shape[d]!;
    if (!Number.isSafeInteger(s)) throw new ValueError(op, `${what} stride ${d} is ${s}`);
    if (n === 0) return;
    if (s >= 0) hi += (n - 1) * s;
    else lo += (n - 1) * s;
  }
  if (lo < 0 || hi >= len) {
    throw new ShapeError(op, `${what} reads elements ${lo}..${hi} of a buffer of ${len}`);
  }
}

/** Packs a binary layout for the addon: [ndim, shape..., stridesA..., stridesB..., offsetA, offsetB]. */
export function packLayout(op: string, l: BinaryLayout, lenA: number, lenB: number, lenOut: number): Float64Array {
  const nd = l.shape.length;
  if (nd > 64) throw new ShapeError(op, `layout has ${nd} dims; at most 64 are supported`);
  let total = 1;
  for (const n of l.shape) {
    dim(op, "shape entry", n);
    total *= n;
  }
  fits(op, "out", { length: lenOut }, total);
  if (total > 0) {
    stridedFits(op, "a", lenA, l.shape, l.stridesA, l.offsetA);
    stridedFits(op, "b", lenB, l.shape, l.stridesB, l.offsetB);
  }
  const packed = new Float64Array(3 + 3 * nd);
  packed[0] = nd;
  for (let d = 0; d < nd; d++) {
    packed[1 + d] = l.shape[d]!;
    packed[1 + nd + d] = l.stridesA[d]!;
    packed[1 + 2 * nd + d] = l.stridesB[d]!;
  }
  packed[1 + 3 * nd] = l.offsetA;
  packed[2 + 3 * nd] = l.offsetB;
  return packed;
}

/** Every id indexes a row of a table with `rows` rows. */
export function idsFit(op: string, ids: Int32Array, rows: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= rows) throw new ValueError(op, `id ${id} at position ${i} is outside [0, ${rows})`);
  }
}
