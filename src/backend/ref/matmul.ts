// Reference batched matmul and weight-typed linear: plain loops, the specification for native GEMM.
import type { F32, MatmulParams } from "../contract.js";

/** C[b] = op(A[b]) x op(B[b]) (+ C[b]), see MatmulParams. Loop order i-k-j keeps B rows contiguous. */
export function matmul(a: F32, b: F32, out: F32, p: MatmulParams): void {
  const { M, N, K } = p;
  const row = new Float64Array(N);
  for (let bt = 0; bt < p.batch; bt++) {
    const oa = bt * p.strideA, ob = bt * p.strideB, oc = bt * p.strideC;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const av = p.transA ? a[oa + k * M + i]! : a[oa + i * K + k]!;
        if (av === 0) continue;
        if (p.transB) {
          for (let j = 0; j < N; j++) row[j]! += av * b[ob + j * K + k]!;
        } else {
          const base = ob + k * N;
          for (let j = 0; j < N; j++) row[j]! += av * b[base + j]!;
        }
      }
      const base = oc + i * N;
      if (p.accumulate) for (let j = 0; j < N; j++) out[base + j]! += row[j]!;
      else for (let j = 0; j < N; j++) out[base + j] = row[j]!;
    }
  }
}
