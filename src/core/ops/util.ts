// Helpers shared by op files: input checks and output construction.
import { Tensor } from "../tensor.js";
import { fmt } from "../shape.js";
import { DTypeError, ShapeError, ValueError } from "../../util/errors.js";

/** Row-major f32 values of a float tensor (f16/bf16 decoded); i32 is refused with a DTypeError. */
export function floatData(op: string, x: Tensor): Float32Array {
  if (x.dtype === "i32") throw new DTypeError(op, `expected a float tensor but got i32 of shape ${fmt(x.shape)}`);
  return x.f32();
}

/** A fresh f32 tensor. */
export function f32Tensor(data: Float32Array, shape: readonly number[]): Tensor {
  return new Tensor(data, [...shape], "f32");
}

export function checkRank(op: string, x: Tensor, what: string, min: number, max = min): void {
  if (x.rank < min || x.rank > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new ShapeError(op, `${what} must have ${want} dimensions but has ${x.rank} (shape ${fmt(x.shape)})`);
  }
}

/** Throw a ValueError naming `op` when any value is NaN or infinite. */
export function checkFinite(op: string, what: string, v: Float32Array): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw new ValueError(op, `${what} contains ${v[i]} at index ${i}`);
  }
}

export function wrapScalar(x: Tensor | number): Tensor {
  return typeof x === "number" ? new Tensor(Float32Array.of(x), [], "f32") : x;
}
