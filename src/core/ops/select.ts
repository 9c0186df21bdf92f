// Selection: where / maskedFill (differentiable in the chosen values), argmax and topk (no gradient).
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { broadcastShapes, normAxis, numel } from "../shape.js";
import { contiguous, expand, sumToShape, transpose } from "./view.js";
import { f32Tensor, floatData, wrapScalar } from "./util.js";
import { ArgumentError } from "../../util/errors.js";

function truthy(t: Tensor, shape: readonly number[]): Float32Array | Int32Array {
  const e = contiguous(expand(t.detach(), shape));
  return e.dtype === "i32" ? e.ids() : e.f32();
}

/** out = cond ? a : b elementwise (cond nonzero = true), all three broadcast together. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = [wrapScalar(a), wrapScalar(b)];
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, x.shape), y.shape);
  const c = truthy(cond, shape);
  const xv = contiguous(expand(x.detach(), shape)).f32(), yv = contiguous(expand(y.detach(), shape)).f32();
  const out = new Float32Array(numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = c[i] ? xv[i]! : yv[i]!;
  return record(f32Tensor(out, shape), "where", [x, y], (g) => {
    const gd = g.f32(), gx = new Float32Array(gd.length), gy = new Float32Array(gd.length);
    for (let i = 0; i < gd.length; i++) (c[i] ? gx : gy)[i] = gd[i]!;
    return [sumToShape(f32Tensor(gx, shape), x.shape), sumToShape(f32Tensor(gy, shape), y.shape)];
  });
}

/** x with `value` wherever mask is nonzero. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}

/** Index of the largest value along `axis` (first one on ties), as i32. */
export function argmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis("argmax", axis, x.rank);
  const t = a === x.rank - 1 ? x : contiguous(transpose(x.detach(), a, -1));
  const n = t.shape[t.rank - 1]!;
  const v = floatData("argmax", t);
  const out = new Int32Array(n === 0 ? 0 : v.length / n);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (v[r * n + i]! > v[r * n + best]!) best = i;
    out[r] = best;
  }
  const shape = t.shape.slice(0, -1);
  return new Tensor(out, a === x.rank - 1 ? shape : x.shape.filter((_, i) => i !== a), "i32");
}

/** The k largest values along the last axis, sorted descending, with their indices (i32). */
export function topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  const n = x.shape[x.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new ArgumentError("topk", `k must be in [0, ${n}] but is ${k}`);
  const v = floatData("topk", x);
  const rows = n === 0 ? 0 : v.length / n;
  const vals = new Float32Array(rows * k), idx = new Int32Array(rows * k);
  const order = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) order[i] = i;
    const row = v.subarray(r * n, (r + 1) * n);
    const sorted = Array.from(order).sort((p, q) => row[q]! - row[p]! || p - q);
    for (let j = 0; j < k; j++) {
      idx[r * k + j] = sorted[j]!;
      vals[r * k + j] = row[sorted[j]!]!;
    }
  }
  const shape = [...x.shape.slice(0, -1), k];
  return { values: f32Tensor(vals, shape), indices: new Tensor(idx, shape, "i32") };
}
