// Infers GGUF types for JS metadata values and encodes values of a declared type, checking that each fits.
import { ArgumentError } from "../../util/errors.js";
import { ByteWriter } from "./byte-writer.js";
import { GgufTypeSpec, GgufValue, GgufValueType, VALUE_TYPE_ID, VALUE_TYPE_SIZE } from "./types.js";

const INT_RANGE: Partial<Record<GgufValueType, [bigint, bigint]>> = {
  u8: [0n, 0xffn], i8: [-0x80n, 0x7fn], u16: [0n, 0xffffn], i16: [-0x8000n, 0x7fffn],
  u32: [0n, 0xffffffffn], i32: [-0x80000000n, 0x7fffffffn],
  u64: [0n, (1n << 64n) - 1n], i64: [-(1n << 63n), (1n << 63n) - 1n],
};

function typedArrayType(v: object): GgufValueType | undefined {
  if (v instanceof Float32Array) return "f32";
  if (v instanceof Float64Array) return "f64";
  if (v instanceof Int32Array) return "i32";
  if (v instanceof Uint32Array) return "u32";
  if (v instanceof Int16Array) return "i16";
  if (v instanceof Uint16Array) return "u16";
  if (v instanceof Int8Array) return "i8";
  if (v instanceof Uint8Array || v instanceof Uint8ClampedArray) return "u8";
  return undefined;
}

function inferNumber(v: number): GgufValueType {
  if (!Number.isInteger(v)) return "f32";
  if (v < 0) return v >= -0x80000000 ? "i32" : "i64";
  return v <= 0xffffffff ? "u32" : "u64";
}

function inferItems(key: string, items: ArrayLike<unknown>): GgufValueType {
  const kinds = new Set<string>();
  for (let i = 0; i < items.length; i++) kinds.add(typeof items[i]);
  if (kinds.size !== 1) {
    const what = kinds.size === 0 ? "an empty array" : `an array mixing ${[...kinds].join(", ")}`;
    throw new ArgumentError("gguf.write", `key '${key}' is ${what}: give its type in metadataTypes`);
  }
  const kind = [...kinds][0];
  if (kind === "string") return "string";
  if (kind === "boolean") return "bool";
  if (kind === "bigint") return Array.prototype.some.call(items, (x) => (x as bigint) < 0n) ? "i64" : "u64";
  if (kind !== "number") throw new ArgumentError("gguf.write", `key '${key}' holds ${kind} items; nested arrays are not supported`);
  let ints = true;
  let fitsI32 = true;
  for (let i = 0; i < items.length; i++) {
    const x = items[i] as number;
    if (!Number.isInteger(x)) ints = false;
    else if (x < -0x80000000 || x > 0x7fffffff) fitsI32 = false;
  }
  return !ints ? "f32" : fitsI32 ? "i32" : "i64";
}

/**
 * The GGUF type written for a value: integer -> u32 (i32 if negative; u64/i64 beyond 32 bits), other number -> f32,
 * bigint -> u64 (i64 if negative), string, boolean -> bool; typed arrays by their element type; arrays of strings,
 * booleans or bigints by item; number[] -> i32 when all are 32-bit integers, i64 for larger integers, else f32.
 */
export function inferValueType(key: string, v: GgufValue): GgufTypeSpec {
  switch (typeof v) {
    case "number": return { type: inferNumber(v) };
    case "bigint": return { type: v < 0n ? "i64" : "u64" };
    case "string": return { type: "string" };
    case "boolean": return { type: "bool" };
  }
  if (typeof v !== "object" || v === null || typeof (v as ArrayLike<unknown>).length !== "number") {
    throw new ArgumentError("gguf.write", `key '${key}' has a value of unsupported kind ${typeof v}`);
  }
  const typed = typedArrayType(v);
  return { type: "array", itemType: typed ?? inferItems(key, v as ArrayLike<unknown>) };
}

function writeInt(w: ByteWriter, t: GgufValueType, v: unknown, what: () => string): void {
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isInteger(v)) b = BigInt(v);
  else throw new ArgumentError("gguf.write", `${what()} must be an integer for type ${t} but is ${String(v)}`);
  const [lo, hi] = INT_RANGE[t]!;
  if (b < lo || b > hi) throw new ArgumentError("gguf.write", `${what()} = ${b} does not fit in ${t}`);
  const size = VALUE_TYPE_SIZE[t];
  w.ensure(size);
  const p = w.pos;
  const dv = w.view;
  const n = Number(b);
  switch (t) {
    case "u8": dv.setUint8(p, n); break;
    case "i8": dv.setInt8(p, n); break;
    case "u16": dv.setUint16(p, n, true); break;
    case "i16": dv.setInt16(p, n, true); break;
    case "u32": dv.setUint32(p, n, true); break;
    case "i32": dv.setInt32(p, n, true); break;
    case "u64": dv.setBigUint64(p, b, true); break;
    default: dv.setBigInt64(p, b, true);
  }
  w.pos += size;
}

/** Writes one value (no type id) of scalar type `t`. */
function writeScalar(w: ByteWriter, t: GgufValueType, v: unknown, what: () => string): void {
  if (t === "f32" || t === "f64") {
    if (typeof v !== "number") throw new ArgumentError("gguf.write", `${what()} must be a number for type ${t}`);
    w.ensure(8);
    if (t === "f32") w.view.setFloat32(w.pos, v, true);
    else w.view.setFloat64(w.pos, v, true);
    w.pos += t === "f32" ? 4 : 8;
  } else if (t === "bool") {
    if (typeof v !== "boolean") throw new ArgumentError("gguf.write", `${what()} must be a boolean for type bool`);
    w.u8(v ? 1 : 0);
  } else if (t === "string") {
    if (typeof v !== "string") throw new ArgumentError("gguf.write", `${what()} must be a string for type string`);
    w.string(v, what);
  } else if (t === "array") {
    throw new ArgumentError("gguf.write", `${what()}: nested arrays are not supported`);
  } else {
    writeInt(w, t, v, what);
  }
}

/** Writes the value type id and the value of `key` as `spec`. */
export function writeValue(w: ByteWriter, key: string, v: GgufValue, spec: GgufTypeSpec): void {
  const what = () => `key '${key}'`;
  w.u32(VALUE_TYPE_ID[spec.type]);
  if (spec.type !== "array") {
    writeScalar(w, spec.type, v, what);
    return;
  }
  const items = v as ArrayLike<unknown>;
  if (typeof v !== "object" || typeof items.length !== "number") {
    throw new ArgumentError("gguf.write", `key '${key}' is declared an array but is ${typeof v}`);
  }
  const itemType = spec.itemType;
  if (itemType === undefined || !(itemType in VALUE_TYPE_ID)) {
    throw new ArgumentError("gguf.write", `key '${key}' is an array without a valid itemType`);
  }
  if (itemType === "array") throw new ArgumentError("gguf.write", `key '${key}': nested arrays are not supported`);
  w.u32(VALUE_TYPE_ID[itemType]);
  w.u64(items.length);
  if (typedArrayType(items) === itemType) {
    writeTypedFast(w, items as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number });
    return;
  }
  for (let i = 0; i < items.length; i++) writeScalar(w, itemType, items[i], () => `key '${key}' item ${i}`);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeTypedFast(w: ByteWriter, a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number; length: number }): void {
  if (!LITTLE_ENDIAN_HOST) throw new ArgumentError("gguf.write", "big-endian hosts are not supported");
  w.bytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Checks a declared spec names known types. */
export function checkSpec(key: string, spec: GgufTypeSpec): void {
  if (!(spec.type in VALUE_TYPE_ID)) throw new ArgumentError("gguf.write", `key '${key}' has unknown type '${spec.type}'`);
}
