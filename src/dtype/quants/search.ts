// Scale searches shared by the quantisers: weighted least-squares fits of integer levels to a group.
//
// fitScale:  x ≈ s·L,      L integer in [lo, hi]     (symmetric groups and scales-of-scales)
// fitAffine: x ≈ s·L − m,  L integer in [0, nmax], s ≥ 0, m ≥ 0   (groups with a min)
// Both try a grid of inverse scales around the one that maps the extreme element onto the extreme level,
// solve the least-squares scale (and min) for the levels each candidate produces, keep the best, then
// refine: fitScale moves single levels while that raises the fit (coordinate descent), fitAffine
// re-rounds all levels against the fitted line until the error stops falling. Arithmetic is f64.
import { f32ToF16 } from "../half.js";
import { f16Lut, roundEven } from "./common.js";

/** Largest group a search handles. */
const MAX_GROUP = 256;
const LA = new Int32Array(MAX_GROUP);

/** Inputs with |x| below this are treated as an all-zero group. */
export const GROUP_EPS = 1e-15;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Fits x[x0 .. x0+n) ≈ s·L[0 .. n) minimising Σ w[i](x − s·L)², L integer in [lo, hi] (lo ≤ 0 < hi).
 *  Candidates: iscale = (t ± k·step)/max for k = −steps..steps, t the level of larger magnitude (lo or hi) and
 *  max the element of largest magnitude. Returns s (0 with L = 0 for an all-zero group). */
export function fitScale(
  x: Float32Array, x0: number, n: number, w: Float64Array, lo: number, hi: number, L: Int32Array,
  steps: number, step: number,
): number {
  let amax = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = x[x0 + i]!;
    const a = Math.abs(v);
    if (a > amax) { amax = a; max = v; }
  }
  if (amax < GROUP_EPS) {
    L.fill(0, 0, n);
    return 0;
  }
  const t = -lo > hi ? lo : hi;
  const dir = t < 0 ? -1 : 1;
  let sxl = 0;
  let sll = 0;
  let found = false;
  for (let k = -steps; k <= steps; k++) {
    const iscale = (t + dir * k * step) / max;
    let cxl = 0;
    let cll = 0;
    for (let i = 0; i < n; i++) {
      const v = x[x0 + i]!;
      const l = clamp(roundEven(iscale * v), lo, hi);
      LA[i] = l;
      cxl += w[i]! * v * l;
      cll += w[i]! * l * l;
    }
    // keep the candidate with the largest explained energy cxl²/cll (error = Σwx² − that)
    if (cll > 0 && cxl !== 0 && (!found || cxl * cxl * sll > sxl * sxl * cll)) {
      found = true;
      sxl = cxl;
      sll = cll;
      for (let i = 0; i < n; i++) L[i] = LA[i]!;
    }
  }
  if (!found) {
    // all weights zero (or no usable candidate): plain rounding against the extreme element
    const iscale = t / max;
    for (let i = 0; i < n; i++) L[i] = clamp(roundEven(iscale * x[x0 + i]!), lo, hi);
    return 1 / iscale;
  }
  return refineLevels(x, x0, n, w, lo, hi, L, sxl, sll);
}

/** Coordinate descent on single levels of a fitScale solution; returns the least-squares scale. */
function refineLevels(
  x: Float32Array, x0: number, n: number, w: Float64Array, lo: number, hi: number, L: Int32Array,
  sxl: number, sll: number,
): number {
  let is = sll / sxl;
  for (let pass = 0; pass < 5; pass++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      if (wi === 0) continue;
      const v = x[x0 + i]!;
      const nl = clamp(roundEven(v * is), lo, hi);
      const ol = L[i]!;
      if (nl === ol) continue;
      const nxl = sxl + wi * v * (nl - ol);
      const nll = sll + wi * (nl * nl - ol * ol);
      if (nll > 0 && nxl * nxl * sll > sxl * sxl * nll) {
        L[i] = nl;
        sxl = nxl;
        sll = nll;
        is = sll / sxl;
        changed++;
      }
    }
    if (changed === 0) break;
  }
  return sxl / sll;
}

/** Result of fitAffine: the group's scale s and min m (x ≈ s·L − m). Reused between calls. */
export const affine = { scale: 0, min: 0 };

/** Fits x[x0 .. x0+n) ≈ s·L − m with L in [0, nmax], s ≥ 0 and m ≥ 0 (any m when freeMin: Q4_1/Q5_1
 *  store the offset as a signed f16, the K-quants as an unsigned 6- or 4-bit level), minimising
 *  Σ w(x − s·L + m)². Candidates: iscale = (nmax + rmin + k·step)/(max − min) for k = 0..steps.
 *  Writes L; result in `affine`. */
export function fitAffine(
  x: Float32Array, x0: number, n: number, w: Float64Array, nmax: number, L: Int32Array,
  rmin: number, step: number, steps: number, freeMin = false,
): typeof affine {
  let min = x[x0]!;
  let max = min;
  let sw = 0, sx = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    const v = x[x0 + i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sw += w[i]!; sx += w[i]! * v; sxx += w[i]! * v * v;
  }
  if (min > 0 && !freeMin) min = 0;
  affine.scale = 0;
  affine.min = -min;
  L.fill(0, 0, n);
  if (max === min) return affine;
  const range = max - min;
  let best = Infinity;
  for (let k = 0; k <= steps; k++) {
    roundAgainst(x, x0, n, w, min, (nmax + rmin + k * step) / range, nmax);
    const err = solveAffine(sw, sx, sxx, acc.sl, acc.sll, acc.sxl, freeMin);
    if (err < best) { best = err; keep(L, n); }
  }
  if (best === Infinity) {
    // no candidate determines a line (e.g. all weights zero): plain min/max rounding
    roundAgainst(x, x0, n, w, min, nmax / range, nmax);
    for (let i = 0; i < n; i++) L[i] = LA[i]!;
    affine.scale = range / nmax;
    return affine;
  }
  // Lloyd steps: re-round against the fitted line, refit, keep while the error falls
  for (let it = 0; it < 4; it++) {
    roundAgainst(x, x0, n, w, -affine.min, 1 / affine.scale, nmax);
    let moved = false;
    for (let i = 0; i < n && !moved; i++) moved = LA[i] !== L[i];
    if (!moved) break;
    const err = solveAffine(sw, sx, sxx, acc.sl, acc.sll, acc.sxl, freeMin);
    if (!(err < best)) break;
    best = err;
    keep(L, n);
  }
  return affine;
}

/** Sums Σw·l, Σw·l², Σw·x·l of the levels roundAgainst left in LA. */
const acc = { sl: 0, sll: 0, sxl: 0 };

/** LA[i] = clamp(round((x − origin)·iscale), 0, nmax), with their sums in acc. */
function roundAgainst(
  x: Float32Array, x0: number, n: number, w: Float64Array, origin: number, iscale: number, nmax: number,
): void {
  let sl = 0, sll = 0, sxl = 0;
  for (let i = 0; i < n; i++) {
    const v = x[x0 + i]!;
    const r = roundEven(iscale * (v - origin));
    const l = r < 0 ? 0 : r > nmax ? nmax : r;
    LA[i] = l;
    const wl = w[i]! * l;
    sl += wl; sll += wl * l; sxl += wl * v;
  }
  acc.sl = sl; acc.sll = sll; acc.sxl = sxl;
}

/** Accepts the line just solved and the levels in LA. */
function keep(L: Int32Array, n: number): void {
  affine.scale = solved.s;
  affine.min = -solved.b;
  for (let i = 0; i < n; i++) L[i] = LA[i]!;
}

const solved = { s: 0, b: 0 };

/** Weighted least squares of x ≈ s·l + b (b ≤ 0 unless freeMin) from the sums Σw, Σwx, Σwx², Σwl, Σwl², Σwxl;
 *  sets `solved` and returns the weighted squared error (Infinity when no positive scale fits). */
function solveAffine(
  sw: number, sx: number, sxx: number, sl: number, sll: number, sxl: number, freeMin: boolean,
): number {
  const det = sw * sll - sl * sl;
  if (!(det > 0)) return Infinity;
  let s = (sw * sxl - sx * sl) / det;
  let b = (sll * sx - sl * sxl) / det;
  if (b > 0 && !freeMin) {
    b = 0;
    s = sxl / sll;
  }
  if (!(s > 0)) return Infinity;
  solved.s = s;
  solved.b = b;
  return sxx - 2 * s * sxl - 2 * b * sx + s * s * sll + 2 * s * b * sl + b * b * sw;
}

/** Mean of x² over src[x0 .. x0+n). */
export function meanSquare(src: Float32Array, x0: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += src[x0 + i]! * src[x0 + i]!;
  return s / n;
}

/** Importance-derived weights for a group, as ggml's imatrix quantisers use them:
 *  w[i] = importance[x0+i] · sqrt(sigma2 + x[x0+i]²). */
export function importanceWeights(
  src: Float32Array, x0: number, n: number, importance: Float32Array, sigma2: number, w: Float64Array,
): Float64Array {
  for (let i = 0; i < n; i++) {
    const v = src[x0 + i]!;
    w[i] = importance[x0 + i]! * Math.sqrt(sigma2 + v * v);
  }
  return w;
}

/** Chooses the f16 scale d for integer levels round(v/d) in [lo, hi] of v[v0 .. v0+n): candidates are the
 *  least-squares `fitted` and the scales putting the extreme value on each of the four outermost levels,
 *  each rounded to f16 and moved one f16 step either way (which matters where d is near or below f16's
 *  normal range, 6.1e-5). Returns the f16 bits with the least weighted error Σ w·(v − d·round(v/d))². */
export function pickF16Scale(
  v: Float32Array, v0: number, n: number, w: Float64Array, lo: number, hi: number, fitted: number,
): number {
  let max = 0;
  for (let j = 0; j < n; j++) if (Math.abs(v[v0 + j]!) > Math.abs(max)) max = v[v0 + j]!;
  if (fitted === 0 || max === 0) return 0;
  const top = -lo > hi ? lo : hi;
  const dir = top < 0 ? -1 : 1;
  const lut = f16Lut();
  let bestBits = f32ToF16(fitted);
  let best = scaleError(v, v0, n, w, lo, hi, lut[bestBits]!);
  for (let c = -1; c < 4; c++) {
    const d = c < 0 ? fitted : max / (top - dir * c);
    const h = f32ToF16(d);
    const sign = h & 0x8000;
    for (let k = -1; k <= 1; k++) {
      const mag = (h & 0x7fff) + k;
      if (mag < 1 || mag >= 0x7c00) continue;
      const e = scaleError(v, v0, n, w, lo, hi, lut[sign | mag]!);
      if (e < best) { best = e; bestBits = sign | mag; }
    }
  }
  return bestBits;
}

function scaleError(v: Float32Array, v0: number, n: number, w: Float64Array, lo: number, hi: number, d: number): number {
  let err = 0;
  for (let j = 0; j < n; j++) {
    const x = v[v0 + j]!;
    const e = x - d * clamp(roundEven(x / d), lo, hi);
    err += w[j]! * e * e;
  }
  return err;
}
