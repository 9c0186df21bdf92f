// Global-norm gradient clipping and the non-finite gradient check used by the NaN guard.
import type { Tensor } from "../core/tensor.js";

/** L2 norm over every parameter's gradient (NaN when any gradient is non-finite). */
export function gradNorm(params: readonly Tensor[]): number {
  let ss = 0;
  for (const p of params) {
    if (!p.grad) continue;
    const g = p.grad.f32();
    for (let i = 0; i < g.length; i++) ss += g[i]! * g[i]!;
  }
  return Math.sqrt(ss);
}

/** Scale gradients so their global norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  const norm = gradNorm(params);
  if (!Number.isFinite(norm) || norm <= maxNorm || maxNorm <= 0) return norm;
  const s = maxNorm / (norm + 1e-6);
  for (const p of params) {
    if (!p.grad) continue;
    const g = p.grad.storage as Float32Array;
    for (let i = 0; i < g.length; i++) g[i]! *= s;
  }
  return norm;
}
