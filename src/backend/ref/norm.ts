// Reference RMSNorm and LayerNorm over rows, also returning the statistics the backward pass needs.
import type { F32 } from "../contract.js";

export function rmsNorm(x: F32, w: F32 | null, out: F32, rstd: F32, rows: number, cols: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += x[base + c]! * x[base + c]!;
    const s = 1 / Math.sqrt(ss / cols + eps);
    rstd[r] = s;
    for (let c = 0; c < cols; c++) out[base + c] = x[base + c]! * s * (w ? w[c]! : 1);
  }
}

export function layerNorm(x: F32, w: F32 | null, b: F32 | null, out: F32, mean: F32, rstd: F32,
  rows: number, cols: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += x[base + c]!;
    const mu = sum / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[base + c]! - mu) ** 2;
    const s = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = s;
    for (let c = 0; c < cols; c++) out[base + c] = (x[base + c]! - mu) * s * (w ? w[c]! : 1) + (b ? b[c]! : 0);
  }
}
