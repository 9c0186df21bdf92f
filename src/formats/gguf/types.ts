// GGUF constants and public types: value type ids, limits, parsed-file and file-to-write shapes.
import type { GgmlTypeInfo, GgmlTypeName } from "../../dtype/ggml.js";

/** "GGUF" read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
/** Alignment of the data section and of each tensor when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_NAME: a tensor name must be shorter than this many bytes (it is stored with a NUL in ggml). */
export const GGML_MAX_NAME = 64;
/** ggml's GGML_MAX_DIMS. */
export const GGML_MAX_DIMS = 4;
/** Largest integer a 64-bit field may hold and still be read as an exact number. */
export const MAX_EXACT_INT = 2 ** 53;

export type GgufValueType =
  | "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "bool" | "string" | "array" | "u64" | "i64" | "f64";

/** Value type names indexed by their GGUF id (UINT8 = 0 ... FLOAT64 = 12). */
export const VALUE_TYPE_BY_ID: readonly GgufValueType[] = [
  "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
];

/** GGUF id of a value type name. */
export const VALUE_TYPE_ID: Readonly<Record<GgufValueType, number>> = Object.fromEntries(
  VALUE_TYPE_BY_ID.map((t, i) => [t, i]),
) as Record<GgufValueType, number>;

/** Bytes of a fixed-size value type (strings and arrays are variable: 0 here). */
export const VALUE_TYPE_SIZE: Readonly<Record<GgufValueType, number>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, string: 0, array: 0, u64: 8, i64: 8, f64: 8,
};

/**
 * A metadata value as plain JS: numbers (64-bit integers as number when |v| <= 2^53, else bigint), booleans,
 * strings, and arrays. Numeric arrays of 8/16/32-bit ints and floats come back as typed arrays
 * (Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array);
 * arrays of u64/i64 come back as number[] when every item is within 2^53, else bigint[].
 */
export type GgufValue = number | bigint | boolean | string | GgufValue[] | ArrayLike<number>;

/** Declared GGUF type of a metadata value; itemType only for arrays. */
export interface GgufTypeSpec {
  type: GgufValueType;
  itemType?: GgufValueType;
}

export interface GgufTensorInfo {
  name: string;
  /** GGML order: shape[0] is the innermost (row length), like ggml ne[]. */
  shape: number[];
  type: GgmlTypeInfo;
  /** Absolute byte offset in the file. */
  offset: number;
  nbytes: number;
}

export interface GgufFile {
  version: number;
  alignment: number;
  /** Absolute offset of the tensor data section (for a file without tensors it may lie past the end). */
  dataOffset: number;
  metadata: Map<string, GgufValue>;
  /** Declared types, so the file can be written back faithfully. */
  metadataTypes: Map<string, GgufTypeSpec>;
  /** In the order of the file's tensor-info section. */
  tensors: GgufTensorInfo[];
  tensorsByName: Map<string, GgufTensorInfo>;
  /** The whole file; tensor data = bytes.subarray(t.offset, t.offset + t.nbytes), no copy. */
  bytes: Uint8Array;
  /** A view (no copy) of one tensor's bytes; FormatError when the name is unknown. */
  tensorData(name: string): Uint8Array;
}

export interface GgufTensorToWrite {
  name: string;
  /** GGML order (shape[0] = row length). */
  shape: number[];
  type: GgmlTypeName;
  data: Uint8Array;
}

export interface GgufToWrite {
  metadata: Map<string, GgufValue>;
  /** Optional per-key overrides of the inferred types (see inferValueType). */
  metadataTypes?: Map<string, GgufTypeSpec>;
  tensors: GgufTensorToWrite[];
  /** Default: general.alignment from metadata, else 32. */
  alignment?: number;
  /** Default 3. */
  version?: 2 | 3;
}
