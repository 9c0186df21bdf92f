// Reference linear over typed weights, with ggml's activation rounding so results match llama.cpp:
// F16/BF16 weights see activations rounded to F16/BF16; block-quantised weights see activations
// quantised to their dot-product type (Q8_0, Q8_1 or Q8_K), exactly as ggml's vec_dot does.
// Note: on x86 ggml quantises activations to Q8_0/Q8_1 with SIMD code that rounds ties to even and scales
// by 127/amax, unlike its scalar weight quantiser (ties away from zero); that is emulated here.
import type { F32 } from "../contract.js";
import type { GgmlTypeName } from "../../dtype/ggml.js";
import { codecFor } from "../../dtype/quants/index.js";
import { f16ToF32, f32ToF16 } from "../../dtype/half.js";

/** The type ggml converts activations to before the dot product with a weight of type t. */
export function activationType(t: GgmlTypeName): GgmlTypeName {
  switch (t) {
    case "F32": return "F32";
    case "F16": return "F16";
    case "BF16": return "BF16";
    case "Q4_0": case "Q5_0": case "Q8_0": return "Q8_0";
    case "Q4_1": case "Q5_1": return "Q8_1";
    default: return "Q8_K"; // the K-quants
  }
}

/** x rows as the weight's dot product sees them (quantised and decoded back to f32). */
export function roundActivations(x: F32, wType: GgmlTypeName, M: number, K: number): F32 {
  const at = activationType(wType);
  if (at === "F32") return x;
  if (at === "Q8_0" || at === "Q8_1") return roundQ8Activations(x);
  const codec = codecFor(at);
  const out = new Float32Array(M * K);
  const bytes = new Uint8Array((K / codec.blockSize) * codec.typeSize);
  for (let m = 0; m < M; m++) {
    codec.quantizeRow(x.subarray(m * K, (m + 1) * K), bytes);
    codec.dequantizeRow(bytes, out.subarray(m * K, (m + 1) * K));
  }
  return out;
}

/** out[M, N] = x[M, K] · W^T with W [N, K] stored as `wType` bytes. */
export function linear(x: F32, w: Uint8Array, wType: GgmlTypeName, out: F32, M: number, N: number, K: number): void {
  const xr = roundActivations(x, wType, M, K);
  const wrow = new Float32Array(K);
  const codec = codecFor(wType);
  const rowBytes = w.byteLength / N;
  for (let n = 0; n < N; n++) {
    codec.dequantizeRow(w.subarray(n * rowBytes, (n + 1) * rowBytes), wrow);
    for (let m = 0; m < M; m++) {
      let acc = 0;
      const base = m * K;
      for (let k = 0; k < K; k++) acc += xr[base + k]! * wrow[k]!;
      out[m * N + n] = acc;
    }
  }
}

/** Round half to even (the x86 default rounding mode). */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** ggml's x86 SIMD quantize_row_q8_0 / q8_1, decoded back: per block of 32, q = rne(x * (127 / amax)), value q * f16(amax / 127). */
function roundQ8Activations(x: F32): F32 {
  const out = new Float32Array(x.length);
  for (let b = 0; b < x.length; b += 32) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b + j]!));
    const d = f16ToF32(f32ToF16(Math.fround(amax / 127)));
    const id = amax !== 0 ? Math.fround(127 / amax) : 0;
    for (let j = 0; j < 32; j++) out[b + j] = roundEven(Math.fround(x[b + j]! * id)) * d;
  }
  return out;
}
