// Tensor dtypes: f32 for compute, f16/bf16 for storage, i32 for token ids and indices.
import { bf16ArrayToF32, f16ArrayToF32, f32ArrayToBf16, f32ArrayToF16 } from "../dtype/half.js";

export type DType = "f32" | "f16" | "bf16" | "i32";
export type Storage = Float32Array | Uint16Array | Int32Array;

export function allocate(dtype: DType, n: number): Storage {
  switch (dtype) {
    case "f32": return new Float32Array(n);
    case "f16":
    case "bf16": return new Uint16Array(n);
    case "i32": return new Int32Array(n);
  }
}

/** Storage values as f32 numbers (decoding f16/bf16 bits). */
export function storageToF32(dtype: DType, s: Storage): Float32Array {
  if (dtype === "f32") return s as Float32Array;
  if (dtype === "f16") return f16ArrayToF32(s as Uint16Array);
  if (dtype === "bf16") return bf16ArrayToF32(s as Uint16Array);
  return Float32Array.from(s as Int32Array);
}

/** f32 values encoded into storage of `dtype` (rounding to nearest even for halves, truncating for i32). */
export function f32ToStorage(dtype: DType, v: Float32Array): Storage {
  if (dtype === "f32") return v;
  if (dtype === "f16") return f32ArrayToF16(v);
  if (dtype === "bf16") return f32ArrayToBf16(v);
  return Int32Array.from(v, Math.trunc);
}
