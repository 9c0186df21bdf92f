// Registry of the scalar reference codecs for GGML tensor types, and whole-tensor quantise/dequantise.
//
// These are the living specification of the block layouts: native SIMD kernels are checked against them.
// Layouts are ggml's (ggml-common.h), little-endian. Q8_0/Q8_1/Q4_0/Q4_1/Q5_0/Q5_1/Q8_K quantise exactly as
// ggml's *_ref functions (and gguf-py); the K-quant quantisers are weft's own weighted scale searches in
// the spirit of ggml's, and every dequantiser follows ggml's formula and f32 operation order.
import type { GgmlTypeName } from "../ggml.js";
import { ArgumentError, ShapeError, UnsupportedError } from "../../util/errors.js";
import type { BlockCodec } from "./common.js";
import { BF16, F16, F32 } from "./plain.js";
import { Q8_0, Q8_1 } from "./q8_0.js";
import { Q4_0, Q4_1 } from "./q4_0.js";
import { Q5_0, Q5_1 } from "./q5.js";
import { Q2_K } from "./k2.js";
import { Q3_K } from "./k3.js";
import { Q4_K } from "./k4.js";
import { Q5_K } from "./k5.js";
import { Q6_K } from "./k6.js";
import { Q8_K } from "./q8_k.js";

export type { BlockCodec } from "./common.js";
export { QK_K } from "./common.js";

const CODECS = new Map<GgmlTypeName, BlockCodec>(
  [F32, F16, BF16, Q8_0, Q8_1, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K].map((c) => [c.type, c]),
);

/** Types with a codec, in registry order. */
export const CODEC_TYPES: readonly GgmlTypeName[] = [...CODECS.keys()];

/** Whether `type` has a codec here. */
export function hasCodec(type: GgmlTypeName): boolean {
  return CODECS.has(type);
}

/** The codec of a type; throws UnsupportedError for types without one (integers, F64). */
export function codecFor(type: GgmlTypeName): BlockCodec {
  const c = CODECS.get(type);
  if (!c) throw new UnsupportedError("quants", `no quantise/dequantise codec for tensor type ${type}`);
  return c;
}

/** Quantises rows of `rowLength` elements (src.length a multiple of it) into one buffer of rows.
 *  `importance` (optional, one weight per column, length rowLength) is applied to every row. */
export function quantize(
  type: GgmlTypeName, src: Float32Array, rowLength: number, importance?: Float32Array,
): Uint8Array {
  const c = codecFor(type);
  if (!Number.isInteger(rowLength) || rowLength <= 0) {
    throw new ArgumentError(`quantize ${type}`, `row length must be a positive integer, got ${rowLength}`);
  }
  if (src.length % rowLength !== 0) {
    throw new ShapeError(`quantize ${type}`, `${src.length} elements are not a whole number of rows of ${rowLength}`);
  }
  if (rowLength % c.blockSize !== 0) {
    throw new ShapeError(`quantize ${type}`, `row of ${rowLength} elements is not a multiple of the block size ${c.blockSize}`);
  }
  if (importance !== undefined && importance.length !== rowLength) {
    throw new ShapeError(`quantize ${type}`, `importance has ${importance.length} weights for rows of ${rowLength}`);
  }
  const rowBytes = (rowLength / c.blockSize) * c.typeSize;
  const nRows = src.length / rowLength;
  const out = new Uint8Array(nRows * rowBytes);
  for (let r = 0; r < nRows; r++) {
    c.quantizeRow(
      src.subarray(r * rowLength, (r + 1) * rowLength), out.subarray(r * rowBytes, (r + 1) * rowBytes), importance,
    );
  }
  return out;
}

/** Dequantises `nElements` values (a multiple of the block size) from exactly their bytes in `src`. */
export function dequantize(type: GgmlTypeName, src: Uint8Array, nElements: number): Float32Array {
  const c = codecFor(type);
  if (!Number.isInteger(nElements) || nElements < 0) {
    throw new ArgumentError(`dequantize ${type}`, `element count must be a non-negative integer, got ${nElements}`);
  }
  if (nElements % c.blockSize !== 0) {
    throw new ShapeError(`dequantize ${type}`, `${nElements} elements are not a multiple of the block size ${c.blockSize}`);
  }
  const need = (nElements / c.blockSize) * c.typeSize;
  if (src.length !== need) {
    throw new ShapeError(`dequantize ${type}`, `${nElements} elements need ${need} bytes but ${src.length} were given`);
  }
  const out = new Float32Array(nElements);
  c.dequantizeRow(src, out);
  return out;
}
