// F32, F16 and BF16 as row codecs (block size 1), so callers can treat every GGML type alike.
// Bytes are little-endian. Non-finite values are stored as they are (F16 overflows to ±Infinity).
import { f32ToBf16, f32ToF16 } from "../half.js";
import { dequantBlocks, f16Lut, quantBlocks, type BlockCodec } from "./common.js";

/** Bytes of a Float32Array (a view, no copy). */
function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export const F32: BlockCodec = {
  type: "F32",
  blockSize: 1,
  typeSize: 4,
  quantizeRow(src, dst, importance) {
    quantBlocks(this, src, dst, importance);
    dst.set(bytesOf(src));
  },
  dequantizeRow(src, dst) {
    dequantBlocks(this, src, dst);
    bytesOf(dst).set(src);
  },
};

export const F16: BlockCodec = {
  type: "F16",
  blockSize: 1,
  typeSize: 2,
  quantizeRow(src, dst, importance) {
    const n = quantBlocks(this, src, dst, importance);
    for (let i = 0; i < n; i++) {
      const h = f32ToF16(src[i]!);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >>> 8;
    }
  },
  dequantizeRow(src, dst) {
    const n = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let i = 0; i < n; i++) dst[i] = lut[src[2 * i]! | (src[2 * i + 1]! << 8)]!;
  },
};

const U = new Uint32Array(1);
const UF = new Float32Array(U.buffer);

export const BF16: BlockCodec = {
  type: "BF16",
  blockSize: 1,
  typeSize: 2,
  quantizeRow(src, dst, importance) {
    const n = quantBlocks(this, src, dst, importance);
    for (let i = 0; i < n; i++) {
      const h = f32ToBf16(src[i]!);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >>> 8;
    }
  },
  dequantizeRow(src, dst) {
    const n = dequantBlocks(this, src, dst);
    for (let i = 0; i < n; i++) {
      U[0] = (src[2 * i]! << 16) | (src[2 * i + 1]! << 24);
      dst[i] = UF[0]!;
    }
  },
};
