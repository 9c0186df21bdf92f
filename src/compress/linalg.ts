// Dense f64 linear algebra for GPTQ: Cholesky factorisation, triangular inverse, and the upper Cholesky factor
// of a damped inverse second-moment matrix. Matrices are row-major Float64Array [n, n].
import { ValueError } from "../util/errors.js";

/** In-place lower Cholesky (A = L Lᵀ, upper triangle zeroed); false when A is not positive definite. */
export function choleskyLower(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[rj + k] = 0;
  }
  return true;
}

/** Inverse of a lower-triangular matrix (a new array), by rows: x_i = (e_i − Σ_{k<i} l_ik x_k) / l_ii. */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    x[ri + i] = 1;
    for (let k = 0; k < i; k++) {
      const a = l[ri + k]!;
      if (a === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) x[ri + j] -= a * x[rk + j]!;
    }
    const inv = 1 / l[ri + i]!;
    for (let j = 0; j <= i; j++) x[ri + j] *= inv;
  }
  return x;
}

/** U upper-triangular with Uᵀ U = (H + λI)⁻¹, λ = damp · mean(diag H); columns never seen (H_ii = 0) get H_ii = 1.
 *  Computed without forming the inverse: with J the reversal, J H J = Lr Lrᵀ gives H = V Vᵀ for V = J Lr J (upper),
 *  so U = V⁻¹ = J Lr⁻¹ J. The damping grows tenfold until the factorisation succeeds. H is overwritten. */
export function inverseCholeskyUpper(h: Float64Array, n: number, damp: number): Float64Array {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += h[i * n + i]!;
  mean = mean / n || 1;
  for (let i = 0; i < n; i++) if (h[i * n + i]! <= 0) h[i * n + i] = mean;
  for (let lambda = damp * mean, tries = 0; tries < 8; tries++, lambda = Math.max(lambda * 10, 1e-8 * mean)) {
    const r = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) r[i * n + j] = h[(n - 1 - i) * n + (n - 1 - j)]!;
      r[i * n + i] += lambda;
    }
    if (!choleskyLower(r, n)) continue;
    const li = invertLower(r, n), u = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) u[i * n + j] = li[(n - 1 - i) * n + (n - 1 - j)]!;
    return u;
  }
  throw new ValueError("gptq", `the ${n}x${n} input second-moment matrix stays singular after damping`);
}
