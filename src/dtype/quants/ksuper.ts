// The K-quant super-block quantisers shared by Q2_K..Q6_K: fit each sub-block, quantise the sub-block
// scales (and mins) against one f16 super-scale, then re-round every element against the stored scales.
//
// affine (Q2_K, Q4_K, Q5_K): x ≈ (d·sc_j)·q − (dmin·m_j),  q in [0, nmax], sc_j and m_j in [0, scMax]
// symmetric (Q3_K, Q6_K):    x ≈ (d·sc_j)·q,               q in [lo, hi],  sc_j in [scLo, scHi]
// Sub-block fits minimise Σ w·err² with w from the importance row when given (imp·sqrt(σ² + x²), as
// ggml's imatrix path) and a magnitude weighting otherwise. Scales are fitted with weights Σ w·q² (how
// much a scale error costs in element error), mins with Σ w; in the affine types each sub-block then tries
// its integer scale and min one step either way (the 4- and 6-bit grids are coarse). Results land in the
// exported scratch arrays (one super-block at a time; JavaScript runs one quantiser at a time).
import { roundEven, writeF16Bits } from "./common.js";
import { affine, fitAffine, fitScale, importanceWeights, meanSquare, pickF16Scale } from "./search.js";

/** Element levels of the last super-block (element e at index e). */
export const levels = new Int32Array(256);
/** Integer sub-block scales and mins of the last super-block. */
export const subScales = new Int32Array(16);
export const subMins = new Int32Array(16);

const W = new Float64Array(32);
const LG = new Int32Array(32);
const SC = new Float32Array(16);
const MN = new Float32Array(16);
const WQ = new Float64Array(16);
const WS = new Float64Array(16);

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Default weights when no importance is given: the group's rms plus |x| (ggml's Q4_K/Q5_K choice),
 *  which favours the large values without ignoring the small ones. */
function defaultWeights(src: Float32Array, x0: number, n: number, w: Float64Array): void {
  const rms = Math.sqrt(meanSquare(src, x0, n));
  for (let i = 0; i < n; i++) w[i] = rms + Math.abs(src[x0 + i]!);
}

/** Fills W with the weights of the group src[x0 .. x0+n). */
function groupWeights(src: Float32Array, x0: number, n: number, imp: Float32Array | undefined, sigma2: number): void {
  if (imp === undefined) defaultWeights(src, x0, n, W);
  else importanceWeights(src, x0, n, imp, sigma2, W);
}

/** Σ w·q² over the group just fitted (W, LG): what an error in its scale costs. */
function levelEnergy(n: number): number {
  let wq = 0;
  for (let i = 0; i < n; i++) wq += W[i]! * LG[i]! * LG[i]!;
  return wq;
}

function weightSum(n: number): number {
  let ws = 0;
  for (let i = 0; i < n; i++) ws += W[i]!;
  return ws;
}

export interface AffineSpec { nSub: number; subLen: number; nmax: number; scMax: number }

/** Quantises the affine super-block at src[x0]; writes d and dmin as f16 at dst[od], dst[od + 2]. */
export function quantizeAffineSuper(
  spec: AffineSpec, src: Float32Array, x0: number, imp: Float32Array | undefined, dst: Uint8Array, od: number,
): void {
  const { nSub, subLen, nmax, scMax } = spec;
  const sigma2 = imp === undefined ? 0 : meanSquare(src, x0, 256);
  for (let j = 0; j < nSub; j++) {
    const g0 = j * subLen;
    groupWeights(src, x0 + g0, subLen, imp, sigma2);
    fitAffine(src, x0 + g0, subLen, W, nmax, LG, -1, 0.2, 10);
    SC[j] = affine.scale;
    MN[j] = affine.min;
    WQ[j] = levelEnergy(subLen);
    WS[j] = weightSum(subLen);
  }
  const dFit = fitScale(SC, 0, nSub, WQ, 0, scMax, subScales, 9, 0.1);
  const mFit = fitScale(MN, 0, nSub, WS, 0, scMax, subMins, 9, 0.1);
  const d = writeF16Bits(dst, od, pickF16Scale(SC, 0, nSub, WQ, 0, scMax, dFit));
  const dmin = writeF16Bits(dst, od + 2, pickF16Scale(MN, 0, nSub, WS, 0, scMax, mFit));
  for (let j = 0; j < nSub; j++) {
    subScales[j] = d > 0 ? clamp(roundEven(SC[j]! / d), 0, scMax) : 0;
    subMins[j] = dmin > 0 ? clamp(roundEven(MN[j]! / dmin), 0, scMax) : 0;
    const g0 = j * subLen;
    groupWeights(src, x0 + g0, subLen, imp, sigma2);
    nudgeAffine(src, x0 + g0, subLen, d, dmin, j, nmax, scMax);
    const s = Math.fround(d * subScales[j]!);
    const m = Math.fround(dmin * subMins[j]!);
    for (let i = 0; i < subLen; i++) {
      levels[g0 + i] = s !== 0 ? clamp(roundEven((src[x0 + g0 + i]! + m) / s), 0, nmax) : 0;
    }
  }
}

export interface SymmetricSpec { lo: number; hi: number; scLo: number; scHi: number }

/** Quantises the symmetric super-block (16 sub-blocks of 16) at src[x0]; returns d as stored (f16 at
 *  dst[od]); levels hold q − lo (0 .. hi − lo), subScales the signed sub-block scales. */
export function quantizeSymmetricSuper(
  spec: SymmetricSpec, src: Float32Array, x0: number, imp: Float32Array | undefined, dst: Uint8Array, od: number,
): number {
  const { lo, hi, scLo, scHi } = spec;
  const sigma2 = imp === undefined ? 0 : meanSquare(src, x0, 256);
  for (let j = 0; j < 16; j++) {
    const g0 = j * 16;
    groupWeights(src, x0 + g0, 16, imp, sigma2);
    SC[j] = fitScale(src, x0 + g0, 16, W, lo, hi, LG, 4, 0.2);
    WQ[j] = levelEnergy(16);
  }
  const dFit = fitScale(SC, 0, 16, WQ, scLo, scHi, subScales, 9, 0.1);
  const d = writeF16Bits(dst, od, pickF16Scale(SC, 0, 16, WQ, scLo, scHi, dFit));
  for (let j = 0; j < 16; j++) {
    subScales[j] = d !== 0 ? clamp(roundEven(SC[j]! / d), scLo, scHi) : 0;
    const g0 = j * 16;
    const s = Math.fround(d * subScales[j]!);
    for (let i = 0; i < 16; i++) {
      levels[g0 + i] = (s !== 0 ? clamp(roundEven(src[x0 + g0 + i]! / s), lo, hi) : 0) - lo;
    }
  }
  return d;
}

/** Error of group src[g .. g+n) under scale s and min m with levels re-rounded (weights W). */
function affineError(src: Float32Array, g: number, n: number, s: number, m: number, nmax: number): number {
  let err = 0;
  const is = s !== 0 ? 1 / s : 0;
  for (let i = 0; i < n; i++) {
    const v = src[g + i]!;
    const q = clamp(roundEven((v + m) * is), 0, nmax);
    const e = v - (s * q - m);
    err += W[i]! * e * e;
  }
  return err;
}

/** Tries the integer scale and min of sub-block j one step either way; keeps the pair with least error. */
function nudgeAffine(src: Float32Array, g: number, n: number, d: number, dmin: number, j: number, nmax: number, scMax: number): void {
  const ls = subScales[j]!, lm = subMins[j]!;
  let best = affineError(src, g, n, Math.fround(d * ls), Math.fround(dmin * lm), nmax);
  let bs = ls, bm = lm;
  for (let a = Math.max(0, ls - 1); a <= Math.min(scMax, ls + 1); a++) {
    for (let b = Math.max(0, lm - 1); b <= Math.min(scMax, lm + 1); b++) {
      if (a === ls && b === lm) continue;
      const e = affineError(src, g, n, Math.fround(d * a), Math.fround(dmin * b), nmax);
      if (e < best) { best = e; bs = a; bm = b; }
    }
  }
  subScales[j] = bs;
  subMins[j] = bm;
}

