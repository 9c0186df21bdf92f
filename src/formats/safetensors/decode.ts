// Decoding safetensors tensor bytes (little-endian) to a new Float32Array, for every dtype weft knows.
import { bf16ArrayToF32, f16ArrayToF32, f16ToF32 } from "../../dtype/half.js";
import { FormatError, UnsupportedError } from "../../util/errors.js";
import { dtypeSize, q, SafetensorsFile, StDtype } from "./types.js";

type Ctor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `bytes` as a typed array of `C`: a view when aligned, otherwise an aligned copy. */
function typed<T>(bytes: Uint8Array, C: Ctor<T>): T {
  const n = bytes.length / C.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % C.BYTES_PER_ELEMENT === 0) return new C(bytes.buffer, bytes.byteOffset, n);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new C(copy.buffer, 0, n);
}

/** fp8 E4M3 (the "fn" variant: bias 7, no infinities, S.1111.111 is NaN). */
function e4m3ToF32(b: number): number {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 0xf;
  const m = b & 7;
  if (e === 0xf && m === 7) return NaN;
  if (e === 0) return s * m * 2 ** -9;
  return s * (1 + m / 8) * 2 ** (e - 7);
}

function copyInto(out: Float32Array, src: ArrayLike<number>): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = src[i]!;
  return out;
}

/** Decodes little-endian elements of `dtype` to float32 (integers rounded to the nearest float32). */
export function decodeToFloat32(bytes: Uint8Array, dtype: StDtype): Float32Array {
  if (!littleEndian) throw new UnsupportedError("safetensors", "decoding needs a little-endian host");
  const n = bytes.length / dtypeSize(dtype);
  const out = new Float32Array(n);
  switch (dtype) {
    case "F32": {
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    case "F16": return f16ArrayToF32(typed(bytes, Uint16Array), out);
    case "BF16": return bf16ArrayToF32(typed(bytes, Uint16Array), out);
    case "F64": return copyInto(out, typed(bytes, Float64Array));
    case "I64": {
      const src = typed(bytes, BigInt64Array);
      for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
      return out;
    }
    case "U64": {
      const src = typed(bytes, BigUint64Array);
      for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
      return out;
    }
    case "I32": return copyInto(out, typed(bytes, Int32Array));
    case "U32": return copyInto(out, typed(bytes, Uint32Array));
    case "I16": return copyInto(out, typed(bytes, Int16Array));
    case "U16": return copyInto(out, typed(bytes, Uint16Array));
    case "I8": return copyInto(out, new Int8Array(bytes.buffer, bytes.byteOffset, n));
    case "U8": return copyInto(out, bytes);
    case "BOOL": {
      for (let i = 0; i < n; i++) out[i] = bytes[i] ? 1 : 0;
      return out;
    }
    case "F8_E5M2": {
      for (let i = 0; i < n; i++) out[i] = f16ToF32(bytes[i]! << 8);
      return out;
    }
    case "F8_E4M3": {
      for (let i = 0; i < n; i++) out[i] = e4m3ToF32(bytes[i]!);
      return out;
    }
  }
}

/** The named tensor decoded to a new Float32Array (never a view of the file). */
export function toFloat32(file: SafetensorsFile, name: string): Float32Array {
  const t = file.tensorsByName.get(name);
  if (!t) throw new FormatError("safetensors", `no tensor named ${q(name)} (the file has ${file.tensors.length} tensors)`);
  return decodeToFloat32(file.bytes.subarray(t.start, t.end), t.dtype);
}
