// Small safetensors inputs for tests: writer-ready tensors of every dtype, and a crafter for raw (broken) files.
import { f32ToBf16, f32ToF16 } from "../../../src/dtype/half.js";
import { SafetensorsFile, StTensorToWrite } from "../../../src/formats/safetensors/index.js";

export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** One small tensor per dtype (values -3..2 where the dtype holds them), an empty one, odd names. */
export function sampleTensors(): StTensorToWrite[] {
  const v = [-3, -2, -1, 0, 1, 2];
  return [
    { name: "f32", dtype: "F32", shape: [2, 3], data: bytesOf(new Float32Array(v)) },
    { name: "f64", dtype: "F64", shape: [6], data: bytesOf(new Float64Array(v)) },
    { name: "f16", dtype: "F16", shape: [3, 2], data: bytesOf(new Uint16Array(v.map(f32ToF16))) },
    { name: "bf16", dtype: "BF16", shape: [6], data: bytesOf(new Uint16Array(v.map(f32ToBf16))) },
    { name: "i64", dtype: "I64", shape: [6], data: bytesOf(new BigInt64Array(v.map(BigInt))) },
    { name: "i32", dtype: "I32", shape: [6], data: bytesOf(new Int32Array(v)) },
    { name: "i16", dtype: "I16", shape: [6], data: bytesOf(new Int16Array(v)) },
    { name: "i8", dtype: "I8", shape: [6], data: bytesOf(new Int8Array(v)) },
    { name: "u8", dtype: "U8", shape: [6], data: Uint8Array.from([0, 1, 2, 3, 254, 255]) },
    { name: "bool", dtype: "BOOL", shape: [2, 2], data: Uint8Array.from([0, 1, 1, 0]) },
    { name: "u16", dtype: "U16", shape: [2], data: bytesOf(new Uint16Array([1, 65535])) },
    { name: "u32", dtype: "U32", shape: [2], data: bytesOf(new Uint32Array([1, 4294967295])) },
    { name: "u64", dtype: "U64", shape: [1], data: bytesOf(new BigUint64Array([1n << 40n])) },
    { name: "fp8.e4m3", dtype: "F8_E4M3", shape: [4], data: Uint8Array.from([0x38, 0xb8, 0x7f, 0x01]) },
    { name: "fp8.e5m2", dtype: "F8_E5M2", shape: [3], data: Uint8Array.from([0x3c, 0xc0, 0x7c]) },
    { name: "empty", dtype: "F32", shape: [2, 0], data: new Uint8Array(0) },
    { name: "scalar", dtype: "F32", shape: [], data: bytesOf(new Float32Array([7.5])) },
    { name: "model.layers.0.self_attn.q_proj.weight", dtype: "F16", shape: [1, 1], data: bytesOf(new Uint16Array([f32ToF16(0.5)])) },
    { name: "名前 \"quoted\"\n\u{1f600}", dtype: "U8", shape: [1], data: Uint8Array.from([9]) },
  ];
}

export const sampleMetadata = (): Record<string, string> => ({ format: "pt", note: "ünïcode \"q\" \\ \n", __proto__x: "p" });

/** A file's tensors as writer input (views of the file, no copies). */
export function toWrite(f: SafetensorsFile): StTensorToWrite[] {
  return f.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: f.tensorData(t.name) }));
}

/** A raw file: u64 header length (the true one unless given), the header (text or bytes, unpadded), then data. */
export function craft(header: string | object | Uint8Array, data: number | Uint8Array = 0, headerLen?: number | bigint): Uint8Array {
  const h = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const d = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(headerLen ?? h.length)), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

/** A one-tensor header entry. */
export function entry(dtype: string, shape: unknown[], offsets: unknown[]): object {
  return { dtype, shape, data_offsets: offsets };
}
