// safetensors types: the dtype table (sizes, reference sort rank), file/tensor shapes, limits, message helpers.

/**
 * Element types weft reads and writes. The first ten are the common ones; U16/U32/U64 and the two fp8 types are
 * known too (sizes, sorting, decoding), as in the reference library's table.
 */
export type StDtype =
  | "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL"
  | "U16" | "U32" | "U64" | "F8_E4M3" | "F8_E5M2";

/**
 * Each dtype with its size in bytes, in the order of the reference library's `Dtype` enum (Rust, huggingface/safetensors):
 * its writer lays tensors out by descending enum position, then by name.
 */
const DTYPE_TABLE: readonly (readonly [StDtype, number])[] = [
  ["BOOL", 1], ["U8", 1], ["I8", 1], ["F8_E5M2", 1], ["F8_E4M3", 1], ["I16", 2], ["U16", 2], ["F16", 2], ["BF16", 2],
  ["I32", 4], ["U32", 4], ["F32", 4], ["F64", 8], ["I64", 8], ["U64", 8],
];

const SIZE = new Map<string, number>(DTYPE_TABLE.map(([d, s]) => [d, s]));
const RANK = new Map<string, number>(DTYPE_TABLE.map(([d], i) => [d, i]));

/** Every dtype weft knows, in the reference enum order. */
export const ST_DTYPES: readonly StDtype[] = DTYPE_TABLE.map(([d]) => d);

/** Dtypes the newest reference library defines that weft does not handle yet (sub-byte floats, e8m0 scales, complex). */
export const UNSUPPORTED_DTYPES: ReadonlySet<string> = new Set(["F4", "F6_E2M3", "F6_E3M2", "F8_E8M0", "C64"]);

export function isStDtype(s: string): s is StDtype {
  return SIZE.has(s);
}

/** Bytes per element. */
export function dtypeSize(d: StDtype): number {
  return SIZE.get(d)!;
}

/** Position in the reference enum (larger = earlier in files the reference library writes). */
export function dtypeRank(d: StDtype): number {
  return RANK.get(d)!;
}

/** The reference library refuses headers above 100 MB; so does weft. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Largest integer a number holds exactly. */
export const MAX_EXACT_INT = Number.MAX_SAFE_INTEGER;

export interface StTensorInfo {
  name: string;
  dtype: StDtype;
  shape: number[];
  /** Absolute byte offsets in the file (data section start + data_offsets). */
  start: number;
  end: number;
}

export interface SafetensorsFile {
  /** `__metadata__` (empty when the file has none). */
  metadata: Record<string, string>;
  /** In file (data offset) order. */
  tensors: StTensorInfo[];
  tensorsByName: Map<string, StTensorInfo>;
  /** The whole file. */
  bytes: Uint8Array;
  /** Absolute offset of the data section (8 + header length). */
  dataStart: number;
  /** A view of the tensor's bytes in `bytes` (no copy). */
  tensorData(name: string): Uint8Array;
}

export interface StTensorToWrite {
  name: string;
  dtype: StDtype;
  shape: number[];
  data: Uint8Array;
}

/**
 * How the writer lays out a file. `order`: "reference" (default) sorts like the current reference library
 * (descending dtype, then name: every tensor lands aligned to its element size), "name" sorts by name only (older
 * reference versions), "given" keeps the caller's order. `pad` (default true) pads the header with spaces to a
 * multiple of 8 bytes, as the reference library has done since 0.3.
 */
export interface StWriteOptions {
  order?: "reference" | "name" | "given";
  pad?: boolean;
}

/** A name for an error message: quoted, control characters escaped, cut to 80 characters. */
export function q(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}…` : s;
  return /^[^\x00-\x1f\x7f'\ud800-\udfff]*$/.test(cut) ? `'${cut}'` : JSON.stringify(cut);
}

/** Compares strings by Unicode code point (= UTF-8 byte order, as Rust and Python sort), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) encode code points above FFFF, so they sort after E000-FFFF.
    const hx = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    const hy = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return hx - hy;
  }
  return a.length - b.length;
}

/** True when the string has an unpaired surrogate (it then has no UTF-8 form). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
