// Reference reductions over the middle axis of [outer, n, inner], and row softmax.
import type { F32, ReduceOp } from "../contract.js";

export function reduce(op: ReduceOp, x: F32, out: F32, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = op === "sum" ? 0 : -Infinity;
      for (let k = 0; k < n; k++) {
        const v = x[(o * n + k) * inner + i]!;
        acc = op === "sum" ? acc + v : v > acc || Number.isNaN(v) ? v : acc;
      }
      out[o * inner + i] = acc;
    }
  }
}

export function softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[base + c]!);
    if (max === -Infinity) max = 0; // fully masked row: exp(-inf) = 0 everywhere
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[base + c]! - max);
    if (sum === 0) {
      out.fill(log ? -Infinity : 0, base, base + cols); // every entry masked
    } else if (log) {
      const lse = max + Math.log(sum);
      for (let c = 0; c < cols; c++) out[base + c] = x[base + c]! - lse;
    } else {
      const inv = 1 / sum;
      for (let c = 0; c < cols; c++) out[base + c] = Math.exp(x[base + c]! - max) * inv;
    }
  }
}
