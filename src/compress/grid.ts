// The code grid of a quantised block: where each element's integer code sits in the block's bytes, and the
// affine grid value(c) = v0 + a·c it decodes to under the block's stored scales. GPTQ fixes a block's scales with
// the codec's own search, then re-chooses codes one column at a time on that grid.
//
// Codes are the stored unsigned integers (Q8_0: q + 128, Q3_K: q + 4, Q6_K: q + 32; the others as stored).
import type { GgmlTypeName } from "../dtype/ggml.js";
import { codecFor } from "../dtype/quants/index.js";
import { UnsupportedError } from "../util/errors.js";

/** Writes code c of element e into the block at b[o]. */
type CodeWriter = (b: Uint8Array, o: number, e: number, c: number) => void;

function nibble(b: Uint8Array, i: number, high: boolean, v: number): void {
  b[i] = high ? (b[i]! & 0x0f) | ((v & 15) << 4) : (b[i]! & 0xf0) | (v & 15);
}

function bits(b: Uint8Array, i: number, shift: number, width: number, v: number): void {
  const mask = ((1 << width) - 1) << shift;
  b[i] = (b[i]! & ~mask) | ((v << shift) & mask);
}

/** Legacy 4-bit layout: element j < 16 in the low nibble of qs[j], j >= 16 in the high nibble of qs[j - 16]. */
const legacy4 = (qs: number): CodeWriter => (b, o, e, c) => nibble(b, o + qs + (e & 15), e >= 16, c);

/** Legacy 5-bit layout: low four bits as legacy4, the fifth in bit e of the u32 qh. */
const legacy5 = (qh: number, qs: number): CodeWriter => (b, o, e, c) => {
  nibble(b, o + qs + (e & 15), e >= 16, c);
  bits(b, o + qh + (e >> 3), e & 7, 1, c >> 4);
};

const WRITERS: Partial<Record<GgmlTypeName, { cmax: number; write: CodeWriter }>> = {
  Q8_0: { cmax: 255, write: (b, o, e, c) => { b[o + 2 + e] = (c - 128) & 0xff; } },
  Q4_0: { cmax: 15, write: legacy4(2) },
  Q4_1: { cmax: 15, write: legacy4(4) },
  Q5_0: { cmax: 31, write: legacy5(2, 6) },
  Q5_1: { cmax: 31, write: legacy5(4, 8) },
  // e = 128n + 32k + l: bits 2k of qs[32n + l]
  Q2_K: { cmax: 3, write: (b, o, e, c) => bits(b, o + 16 + 32 * (e >> 7) + (e & 31), 2 * ((e >> 5) & 3), 2, c) },
  // low two bits as Q2_K (qs at 32); the third in bit e/32 of hmask[e % 32]
  Q3_K: {
    cmax: 7,
    write: (b, o, e, c) => {
      bits(b, o + 32 + 32 * (e >> 7) + (e & 31), 2 * ((e >> 5) & 3), 2, c & 3);
      bits(b, o + (e & 31), e >> 5, 1, c >> 2);
    },
  },
  // sub-block j = e/32: qs[32·(j >> 1) + l], low nibble for even j
  Q4_K: { cmax: 15, write: (b, o, e, c) => nibble(b, o + 16 + 32 * (e >> 6) + (e & 31), ((e >> 5) & 1) === 1, c) },
  Q5_K: {
    cmax: 31,
    write: (b, o, e, c) => {
      nibble(b, o + 48 + 32 * (e >> 6) + (e & 31), ((e >> 5) & 1) === 1, c);
      bits(b, o + 16 + (e & 31), e >> 5, 1, c >> 4);
    },
  },
  // e = 128n + 32m + l: low four bits in ql[64n + 32(m & 1) + l] (high nibble for m >= 2), high two in bits 2m of qh[32n + l]
  Q6_K: {
    cmax: 63,
    write: (b, o, e, c) => {
      const n = e >> 7, m = (e >> 5) & 3, l = e & 31;
      nibble(b, o + 64 * n + 32 * (m & 1) + l, m >= 2, c);
      bits(b, o + 128 + 32 * n + l, 2 * m, 2, c >> 4);
    },
  },
};

/** Whether GPTQ can re-choose codes of this type. */
export function hasGrid(type: GgmlTypeName): boolean {
  return WRITERS[type] !== undefined;
}

export interface BlockGrid {
  /** Largest code (codes run 0..cmax). */
  cmax: number;
  /** Value of code 0 and the step per code, per element. */
  v0: Float32Array;
  a: Float32Array;
}

function writer(type: GgmlTypeName): { cmax: number; write: CodeWriter } {
  const w = WRITERS[type];
  if (!w) throw new UnsupportedError("gptq", `no code grid for tensor type ${type}`);
  return w;
}

/** The grid of the block at bytes[o] (blockSize elements) under its stored scales. */
export function blockGrid(type: GgmlTypeName, bytes: Uint8Array, o: number, out?: BlockGrid): BlockGrid {
  const codec = codecFor(type), w = writer(type), n = codec.blockSize;
  const g = out ?? { cmax: w.cmax, v0: new Float32Array(n), a: new Float32Array(n) };
  g.cmax = w.cmax;
  const copy = bytes.slice(o, o + codec.typeSize);
  for (let e = 0; e < n; e++) w.write(copy, 0, e, 0);
  codec.dequantizeRow(copy, g.v0);
  for (let e = 0; e < n; e++) w.write(copy, 0, e, 1);
  codec.dequantizeRow(copy, g.a);
  for (let e = 0; e < n; e++) g.a[e] = g.a[e]! - g.v0[e]!;
  return g;
}

/** Stores code c for element e of the block at bytes[o]. */
export function writeCode(type: GgmlTypeName, bytes: Uint8Array, o: number, e: number, c: number): void {
  writer(type).write(bytes, o, e, c);
}

/** The code nearest to x on element e's grid (code 0 where the grid has no step). */
export function nearestCode(g: BlockGrid, e: number, x: number): number {
  const a = g.a[e]!;
  if (a === 0) return 0;
  const c = Math.round((x - g.v0[e]!) / a);
  return c < 0 ? 0 : c > g.cmax ? g.cmax : c;
}
