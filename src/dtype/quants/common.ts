// Shared pieces of the GGML block codecs: the codec interface, f16 scale I/O, rounding, validation.
import type { GgmlTypeName } from "../ggml.js";
import { f32ToF16, f16ToF32 } from "../half.js";
import { ShapeError, ValueError } from "../../util/errors.js";

/** Elements per K-quant super-block. */
export const QK_K = 256;

/** One GGML tensor type as a row codec. Rows are whole blocks; bytes are in ggml's on-disk layout. */
export interface BlockCodec {
  readonly type: GgmlTypeName;
  /** Elements per block (1 for plain types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
  /** Quantises `src` (a multiple of blockSize elements) into `dst` (exactly the row's bytes).
   *  `importance`, when given, has one non-negative weight per element of `src` (an imatrix row):
   *  types with a scale search minimise the importance-weighted error; plain types and Q8_0/Q8_1/Q8_K
   *  ignore it. Throws ValueError when src holds NaN or Infinity (plain types store them as they are). */
  quantizeRow(src: Float32Array, dst: Uint8Array, importance?: Float32Array): void;
  /** Decodes `src` (exactly the row's bytes) into `dst` (a multiple of blockSize elements). */
  dequantizeRow(src: Uint8Array, dst: Float32Array): void;
}

/** f16 bits -> f32 for every 16-bit pattern; built on first use (256 KiB). */
let f16Table: Float32Array | null = null;

export function f16Lut(): Float32Array {
  if (f16Table === null) {
    const t = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) t[h] = f16ToF32(h);
    f16Table = t;
  }
  return f16Table;
}

/** Reads the little-endian f16 at bytes[o], as f32. */
export function readF16(bytes: Uint8Array, o: number): number {
  return f16Lut()[bytes[o]! | (bytes[o + 1]! << 8)]!;
}

/** Writes v as a little-endian f16 (round to nearest even) at bytes[o]; returns the stored value. */
export function writeF16(bytes: Uint8Array, o: number, v: number): number {
  const h = f32ToF16(v);
  bytes[o] = h & 0xff;
  bytes[o + 1] = h >>> 8;
  return f16Lut()[h]!;
}

/** Writes f16 bits h little-endian at bytes[o]; returns their value. */
export function writeF16Bits(bytes: Uint8Array, o: number, h: number): number {
  bytes[o] = h & 0xff;
  bytes[o + 1] = h >>> 8;
  return f16Lut()[h]!;
}

/** Rounds half away from zero, like C roundf. */
export function roundAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** 1.5 · 2^52: adding and subtracting it rounds an f64 to an integer, ties to even. */
const ROUND_MAGIC = 6755399441055744;

/** Rounds to the nearest integer, ties to even, like ggml's nearest_int (and rintf); exact for
 *  |v| < 2^51, larger magnitudes come back near v (callers clamp them). */
export function roundEven(v: number): number {
  return v + ROUND_MAGIC - ROUND_MAGIC;
}

/** Number of blocks in a row to quantise, after checking both lengths. */
export function quantBlocks(c: BlockCodec, src: Float32Array, dst: Uint8Array, importance?: Float32Array): number {
  const op = `quantize ${c.type}`;
  if (src.length % c.blockSize !== 0) {
    throw new ShapeError(op, `row of ${src.length} elements is not a multiple of the block size ${c.blockSize}`);
  }
  const nb = src.length / c.blockSize;
  if (dst.length !== nb * c.typeSize) {
    throw new ShapeError(op, `destination has ${dst.length} bytes but ${src.length} elements need ${nb * c.typeSize}`);
  }
  if (importance !== undefined && importance.length !== src.length) {
    throw new ShapeError(op, `importance has ${importance.length} weights but the row has ${src.length} elements`);
  }
  return nb;
}

/** Number of blocks in a row to dequantise, after checking both lengths. */
export function dequantBlocks(c: BlockCodec, src: Uint8Array, dst: Float32Array): number {
  const op = `dequantize ${c.type}`;
  if (dst.length % c.blockSize !== 0) {
    throw new ShapeError(op, `row of ${dst.length} elements is not a multiple of the block size ${c.blockSize}`);
  }
  const nb = dst.length / c.blockSize;
  if (src.length !== nb * c.typeSize) {
    throw new ShapeError(op, `source has ${src.length} bytes but ${dst.length} elements need ${nb * c.typeSize}`);
  }
  return nb;
}

/** Throws ValueError naming the first NaN or infinite element of src. */
export function assertFinite(type: GgmlTypeName, src: Float32Array): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (v - v !== 0) throw new ValueError(`quantize ${type}`, `element ${i} is ${v}; only finite values can be quantised`);
  }
}

/** Throws ValueError when an importance weight is negative or not finite. */
export function assertImportance(type: GgmlTypeName, w: Float32Array): void {
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (!(v >= 0 && v < Infinity)) {
      throw new ValueError(`quantize ${type}`, `importance ${i} is ${v}; weights must be finite and >= 0`);
    }
  }
}

/** Sign-extends a byte. */
export function i8(b: number): number {
  return (b << 24) >> 24;
}
