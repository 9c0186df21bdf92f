// Reference linear over typed weights, with ggml's activation rounding so results match llama.cpp:
// F16/BF16 weights see activations rounded to F16/BF16; block-quantised weights see activations
// quantised to their dot-product type (Q8_0, Q8_1 or Q8_K), exactly as ggml's vec_dot does.
import type { F32 } from "../contract.js";
import type { GgmlTypeName } from "../../dtype/ggml.js";
import { codecFor } from "../../dtype/quants/index.js";

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
