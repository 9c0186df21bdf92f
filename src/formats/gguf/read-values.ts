// Reads GGUF metadata values (scalars, strings, arrays) from a ByteReader into plain JS values.
import { FormatError } from "../../util/errors.js";
import { ByteReader, decodeUtf8 } from "./byte-reader.js";
import { GgufTypeSpec, GgufValue, GgufValueType, MAX_EXACT_INT, VALUE_TYPE_BY_ID, VALUE_TYPE_SIZE } from "./types.js";

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const BIG_EXACT = BigInt(MAX_EXACT_INT);

type TypedCtor = { new (buf: ArrayBuffer): ArrayLike<number>; BYTES_PER_ELEMENT: number };
const TYPED: Partial<Record<GgufValueType, TypedCtor>> = {
  u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array,
  u32: Uint32Array, i32: Int32Array, f32: Float32Array, f64: Float64Array,
};

/** Reads a u32 value-type id and names it; unknown ids give a FormatError naming the key. */
export function readValueType(r: ByteReader, what: () => string): GgufValueType {
  const id = r.u32(what);
  const t = VALUE_TYPE_BY_ID[id];
  if (t === undefined) throw new FormatError("gguf", `${what()} is ${id}, not a known GGUF value type (0..12)`);
  return t;
}

function int64ToValue(v: bigint): number | bigint {
  return v <= BIG_EXACT && v >= -BIG_EXACT ? Number(v) : v;
}

function readBool(r: ByteReader, what: () => string): boolean {
  const b = r.u8(what);
  if (b > 1) throw new FormatError("gguf", `${what()} is a bool stored as ${b} (must be 0 or 1)`);
  return b === 1;
}

/** Reads one scalar or string of type `t` (not an array). */
function readScalar(r: ByteReader, t: GgufValueType, what: () => string): GgufValue {
  const size = VALUE_TYPE_SIZE[t];
  if (size > 0) r.need(size, what);
  const v = r.view;
  const p = r.pos;
  r.pos += size;
  switch (t) {
    case "u8": return v.getUint8(p);
    case "i8": return v.getInt8(p);
    case "u16": return v.getUint16(p, true);
    case "i16": return v.getInt16(p, true);
    case "u32": return v.getUint32(p, true);
    case "i32": return v.getInt32(p, true);
    case "f32": return v.getFloat32(p, true);
    case "f64": return v.getFloat64(p, true);
    case "u64": return int64ToValue(v.getBigUint64(p, true));
    case "i64": return int64ToValue(v.getBigInt64(p, true));
    case "bool":
      r.pos = p;
      return readBool(r, what);
    case "string": return r.string(what);
    default: throw new FormatError("gguf", `${what()} has type ${t} where a scalar is expected`);
  }
}

function readTypedArray(r: ByteReader, ctor: TypedCtor, n: number, t: GgufValueType, what: () => string): ArrayLike<number> {
  const src = r.take(n * ctor.BYTES_PER_ELEMENT, what);
  if (LITTLE_ENDIAN_HOST) {
    const copy = new Uint8Array(src.length); // not src.slice(): on a Buffer that is a view, not a copy
    copy.set(src);
    return new ctor(copy.buffer);
  }
  const out = new ctor(new ArrayBuffer(src.length)) as unknown as number[];
  const sub = new ByteReader(src);
  for (let i = 0; i < n; i++) out[i] = readScalar(sub, t, what) as number;
  return out;
}

function readStringArray(r: ByteReader, n: number, what: () => string): string[] {
  const out: string[] = new Array(n);
  const bytes = r.bytes;
  const view = r.view;
  for (let i = 0; i < n; i++) {
    let p = r.pos;
    if (bytes.length - p < 8) r.need(8, () => `${what()} item ${i} length`);
    let len = view.getUint32(p, true);
    if (view.getUint32(p + 4, true) !== 0 || len > bytes.length - p - 8) {
      len = r.size64(() => `${what()} item ${i} length`);
      r.need(len, () => `${what()} item ${i}`);
      p = r.pos - 8;
    }
    const s = decodeUtf8(bytes.subarray(p + 8, p + 8 + len));
    if (s === null) throw new FormatError("gguf", `${what()} item ${i} is not valid UTF-8`);
    out[i] = s;
    r.pos = p + 8 + len;
  }
  return out;
}

/** The i-th 64-bit int as an exact number, or null when it is beyond 2^53 in magnitude. */
function int64AsNumber(dv: DataView, i: number, signed: boolean): number | null {
  const lo = dv.getUint32(i * 8, true);
  const hi = signed ? dv.getInt32(i * 8 + 4, true) : dv.getUint32(i * 8 + 4, true);
  // |hi * 2^32 + lo| <= 2^53 exactly when -2^21 <= hi < 2^21, or the value is 2^53 itself
  const exact = (hi >= -0x200000 && hi < 0x200000) || (hi === 0x200000 && lo === 0);
  return exact ? hi * 2 ** 32 + lo : null;
}

function readInt64Array(r: ByteReader, n: number, signed: boolean, what: () => string): number[] | bigint[] {
  const src = r.take(n * 8, what);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const nums: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = int64AsNumber(dv, i, signed);
    if (v === null) {
      const big: bigint[] = new Array(n);
      for (let j = 0; j < n; j++) big[j] = signed ? dv.getBigInt64(j * 8, true) : dv.getBigUint64(j * 8, true);
      return big;
    }
    nums[i] = v;
  }
  return nums;
}

/** Reads an array body (item type, count, items); nested arrays are refused. */
function readArray(r: ByteReader, what: () => string): { value: GgufValue; itemType: GgufValueType } {
  const itemType = readValueType(r, () => `${what()} array item type`);
  if (itemType === "array") throw new FormatError("gguf", `${what()} is an array of arrays, which is not supported`);
  const minItem = itemType === "string" ? 8 : VALUE_TYPE_SIZE[itemType];
  const n = r.count64(() => `${what()} array count`, minItem);
  const ctor = TYPED[itemType];
  if (ctor) return { value: readTypedArray(r, ctor, n, itemType, what), itemType };
  if (itemType === "string") return { value: readStringArray(r, n, what), itemType };
  if (itemType === "u64" || itemType === "i64") return { value: readInt64Array(r, n, itemType === "i64", what), itemType };
  const bools: boolean[] = new Array(n);
  for (let i = 0; i < n; i++) bools[i] = readBool(r, () => `${what()} item ${i}`);
  return { value: bools, itemType };
}

/** Reads a value of declared type `t`; returns the value and its full type spec. */
export function readValue(r: ByteReader, t: GgufValueType, what: () => string): { value: GgufValue; spec: GgufTypeSpec } {
  if (t === "array") {
    const { value, itemType } = readArray(r, what);
    return { value, spec: { type: "array", itemType } };
  }
  return { value: readScalar(r, t, what), spec: { type: t } };
}
