// Batched matrix multiply with broadcasting batch dims; transposed views pass as kernel flags, no copy.
import type { MatmulParams } from "../../backend/contract.js";
import { kernels } from "../../backend/registry.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { broadcastShapes, fmt, numel } from "../shape.js";
import { contiguous, expand, reshape, sumToShape, transpose } from "./view.js";
import { f32Tensor } from "./util.js";
import { add } from "./binary.js";
import { DTypeError, ShapeError } from "../../util/errors.js";

interface Operand {
  data: Float32Array;
  trans: boolean;
  batchStride: number;
}

/** Read t ([..., R, C]) as kernel operand: row-major or transposed, batch dims either dense or one shared matrix. */
function operand(t: Tensor, batchShape: readonly number[]): Operand {
  const r = t.rank, R = t.shape[r - 2]!, C = t.shape[r - 1]!;
  const sR = t.strides[r - 2]!, sC = t.strides[r - 1]!;
  const batchOf = t.shape.slice(0, r - 2);
  const shared = numel(batchOf) === 1;
  const denseBatch = shared || isDenseBatch(t, R * C);
  const rowMajor = (sC === 1 || C === 1) && (sR === C || R === 1);
  const colMajor = (sR === 1 || R === 1) && (sC === R || C === 1) && !rowMajor;
  if (t.dtype === "f32" && denseBatch && (rowMajor || colMajor) && (shared || sameBatch(batchOf, batchShape))) {
    const len = shared ? R * C : numel(batchOf) * R * C;
    return { data: (t.storage as Float32Array).subarray(t.offset, t.offset + len), trans: colMajor, batchStride: shared ? 0 : R * C };
  }
  const full = contiguous(expand(t.dtype === "f32" ? t : t.to("f32"), [...batchShape, R, C]));
  return { data: full.f32(), trans: false, batchStride: R * C };
}

function isDenseBatch(t: Tensor, matSize: number): boolean {
  let expect = matSize;
  for (let i = t.rank - 3; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.strides[i] !== expect) return false;
    expect *= t.shape[i]!;
  }
  return true;
}

function sameBatch(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** a [..., M, K] x b [..., K, N] -> [..., M, N]; 1-D inputs are not promoted (use reshape). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.dtype === "i32" || b.dtype === "i32") throw new DTypeError("matmul", "operands must be float tensors");
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError("matmul", `operands need at least 2 dimensions, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const M = a.shape[a.rank - 2]!, K = a.shape[a.rank - 1]!, N = b.shape[b.rank - 1]!;
  if (b.shape[b.rank - 2] !== K) {
    throw new ShapeError("matmul", `inner dimensions differ: ${fmt(a.shape)} x ${fmt(b.shape)} (${K} vs ${b.shape[b.rank - 2]})`);
  }
  const batchShape = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = numel(batchShape);
  const A = operand(a, batchShape), B = operand(b, batchShape);
  const out = new Float32Array(batch * M * N);
  const p: MatmulParams = {
    batch, M, N, K, transA: A.trans, transB: B.trans,
    strideA: A.batchStride, strideB: B.batchStride, strideC: M * N, accumulate: false,
  };
  if (out.length > 0) kernels().matmul(A.data, B.data, out, p);
  const res = f32Tensor(out, [...batchShape, M, N]);
  return record(res, "matmul", [a, b], (g) => [
    a.requiresGrad ? sumToShape(matmul(g, transpose(b)), a.shape) : null,
    b.requiresGrad ? sumToShape(matmul(transpose(a), g), b.shape) : null,
  ]);
}

/** y = x W^T (+ bias), x [..., K], W [N, K] (PyTorch/HF layout). */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  if (w.rank !== 2) throw new ShapeError("linear", `weight must have 2 dimensions but has ${w.rank}`);
  const K = x.shape[x.rank - 1]!;
  const x2 = reshape(x, [-1, K]);
  let y = matmul(x2, transpose(w));
  if (bias) y = add(y, bias);
  return reshape(y, [...x.shape.slice(0, -1), w.shape[0]!]);
}
