// Deterministic test data for the quant codec tests: an LCG, Gaussian rows, random blocks, error and hash.
import { createHash } from "node:crypto";
import { codecFor } from "../../../src/dtype/quants/index.js";
import type { GgmlTypeName } from "../../../src/dtype/ggml.js";
import { f32ToF16 } from "../../../src/dtype/half.js";

/** A 32-bit LCG (Numerical Recipes constants) returning floats in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** n samples of N(0, scale²) by Box-Muller, rounded to f32. */
export function gaussianRow(n: number, seed: number, scale = 1): Float32Array {
  const r = lcg(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r() || 1e-12;
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

/** Byte offsets of the f16 scale fields in one block of each block type. */
const F16_FIELDS: Partial<Record<GgmlTypeName, number[]>> = {
  Q8_0: [0], Q8_1: [0, 2], Q4_0: [0], Q4_1: [0, 2], Q5_0: [0], Q5_1: [0, 2],
  Q2_K: [80, 82], Q3_K: [108], Q4_K: [0, 2], Q5_K: [0, 2], Q6_K: [208],
};

/** nBlocks of random bytes in `type`'s layout, with finite scales (f16 fields in ±0.05, Q8_K's f32 d too). */
export function randomBlocks(type: GgmlTypeName, nBlocks: number, seed: number): Uint8Array {
  const c = codecFor(type);
  const r = lcg(seed);
  const out = new Uint8Array(nBlocks * c.typeSize);
  for (let i = 0; i < out.length; i++) out[i] = (r() * 256) | 0;
  const f = new Float32Array(1);
  const fb = new Uint8Array(f.buffer);
  for (let b = 0; b < nBlocks; b++) {
    const o = b * c.typeSize;
    if (type === "Q8_K") {
      f[0] = (r() - 0.5) * 0.01;
      out.set(fb, o);
      continue;
    }
    for (const off of F16_FIELDS[type] ?? []) {
      const h = f32ToF16((r() - 0.5) * 0.1);
      out[o + off] = h & 0xff;
      out[o + off + 1] = h >>> 8;
    }
  }
  return out;
}

/** sqrt(Σ(x − y)² / Σx²): the error relative to the data's RMS. */
export function relRms(x: Float32Array, y: Float32Array): number {
  let e = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    e += (x[i]! - y[i]!) ** 2;
    s += x[i]! ** 2;
  }
  return Math.sqrt(e / s);
}

/** Importance-weighted relative error: weights repeat every w.length elements. */
export function weightedRelRms(x: Float32Array, y: Float32Array, w: Float32Array): number {
  let e = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w[i % w.length]!;
    e += wi * (x[i]! - y[i]!) ** 2;
    s += wi * x[i]! ** 2;
  }
  return Math.sqrt(e / s);
}

/** Hex sha256 of an array's bytes. */
export function sha256(a: Uint8Array | Float32Array): string {
  return createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");
}
