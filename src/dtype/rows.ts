// Decode one row of raw GGML-typed bytes to f32: plain types here, block types through dtype/quants.
import type { GgmlTypeName } from "./ggml.js";
import { bf16ToF32, f16ToF32 } from "./half.js";
import { UnsupportedError } from "../util/errors.js";

type RowDecoder = (src: Uint8Array, dst: Float32Array) => void;
const blockDecoders = new Map<GgmlTypeName, RowDecoder>();

/** Block formats register their row decoder here (dtype/quants does so on import). */
export function registerRowDecoder(type: GgmlTypeName, dec: RowDecoder): void {
  blockDecoders.set(type, dec);
}

function view16(src: Uint8Array): Uint16Array {
  if (src.byteOffset % 2 === 0) return new Uint16Array(src.buffer, src.byteOffset, src.byteLength >> 1);
  return new Uint16Array(src.slice().buffer);
}

function view32(src: Uint8Array): Float32Array {
  if (src.byteOffset % 4 === 0) return new Float32Array(src.buffer, src.byteOffset, src.byteLength >> 2);
  return new Float32Array(src.slice().buffer);
}

/** dst[0..K) = row decoded from `src`. */
export function dequantizeRowInto(type: GgmlTypeName, src: Uint8Array, dst: Float32Array): void {
  switch (type) {
    case "F32":
      dst.set(view32(src).subarray(0, dst.length));
      return;
    case "F16": {
      const h = view16(src);
      for (let i = 0; i < dst.length; i++) dst[i] = f16ToF32(h[i]!);
      return;
    }
    case "BF16": {
      const h = view16(src);
      for (let i = 0; i < dst.length; i++) dst[i] = bf16ToF32(h[i]!);
      return;
    }
    default: {
      const dec = blockDecoders.get(type);
      if (!dec) throw new UnsupportedError("dequantize", `no decoder for tensor type ${type}`);
      dec(src, dst);
    }
  }
}
