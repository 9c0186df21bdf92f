// Reference linear over typed weights: dequantise one weight row at a time, dot with each input row.
import type { F32 } from "../contract.js";
import type { GgmlTypeName } from "../../dtype/ggml.js";
import { dequantizeRowInto } from "../../dtype/rows.js";

/** out[M, N] = x[M, K] · W^T with W [N, K] stored as `wType` bytes. */
export function linear(x: F32, w: Uint8Array, wType: GgmlTypeName, out: F32, M: number, N: number, K: number): void {
  const wrow = new Float32Array(K);
  const rowBytes = w.byteLength / N;
  for (let n = 0; n < N; n++) {
    dequantizeRowInto(wType, w.subarray(n * rowBytes, (n + 1) * rowBytes), wrow);
    for (let m = 0; m < M; m++) {
      let acc = 0;
      const base = m * K;
      for (let k = 0; k < K; k++) acc += x[base + k]! * wrow[k]!;
      out[m * N + n] = acc;
    }
  }
}
