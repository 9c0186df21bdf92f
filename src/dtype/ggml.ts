// The GGML tensor type table: ids as in GGUF files, block sizes and bytes per block.
import { FormatError } from "../util/errors.js";

export type GgmlTypeName =
  | "F32" | "F16" | "Q4_0" | "Q4_1" | "Q5_0" | "Q5_1" | "Q8_0" | "Q8_1"
  | "Q2_K" | "Q3_K" | "Q4_K" | "Q5_K" | "Q6_K" | "Q8_K"
  | "I8" | "I16" | "I32" | "I64" | "F64" | "BF16";

export interface GgmlTypeInfo {
  readonly id: number;
  readonly name: GgmlTypeName;
  /** Elements per block (1 for plain types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
}

const QK_K = 256;

const TABLE: GgmlTypeInfo[] = [
  { id: 0, name: "F32", blockSize: 1, typeSize: 4 },
  { id: 1, name: "F16", blockSize: 1, typeSize: 2 },
  { id: 2, name: "Q4_0", blockSize: 32, typeSize: 2 + 16 },
  { id: 3, name: "Q4_1", blockSize: 32, typeSize: 2 + 2 + 16 },
  { id: 6, name: "Q5_0", blockSize: 32, typeSize: 2 + 4 + 16 },
  { id: 7, name: "Q5_1", blockSize: 32, typeSize: 2 + 2 + 4 + 16 },
  { id: 8, name: "Q8_0", blockSize: 32, typeSize: 2 + 32 },
  { id: 9, name: "Q8_1", blockSize: 32, typeSize: 4 + 32 },
  { id: 10, name: "Q2_K", blockSize: QK_K, typeSize: QK_K / 16 + QK_K / 4 + 2 + 2 },
  { id: 11, name: "Q3_K", blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 4 + 12 + 2 },
  { id: 12, name: "Q4_K", blockSize: QK_K, typeSize: 2 + 2 + 12 + QK_K / 2 },
  { id: 13, name: "Q5_K", blockSize: QK_K, typeSize: 2 + 2 + 12 + QK_K / 8 + QK_K / 2 },
  { id: 14, name: "Q6_K", blockSize: QK_K, typeSize: QK_K / 2 + QK_K / 4 + QK_K / 16 + 2 },
  { id: 15, name: "Q8_K", blockSize: QK_K, typeSize: 4 + QK_K + (QK_K / 16) * 2 },
  { id: 24, name: "I8", blockSize: 1, typeSize: 1 },
  { id: 25, name: "I16", blockSize: 1, typeSize: 2 },
  { id: 26, name: "I32", blockSize: 1, typeSize: 4 },
  { id: 27, name: "I64", blockSize: 1, typeSize: 8 },
  { id: 28, name: "F64", blockSize: 1, typeSize: 8 },
  { id: 30, name: "BF16", blockSize: 1, typeSize: 2 },
];

const BY_ID = new Map(TABLE.map((t) => [t.id, t]));
const BY_NAME = new Map(TABLE.map((t) => [t.name, t]));

/** Type info by GGUF id, or undefined for ids weft does not know. */
export function ggmlTypeById(id: number): GgmlTypeInfo | undefined {
  return BY_ID.get(id);
}

/** Type info by name (case-insensitive), or a FormatError naming it. */
export function ggmlType(name: string): GgmlTypeInfo {
  const t = BY_NAME.get(name.toUpperCase() as GgmlTypeName);
  if (!t) throw new FormatError("ggml", `unknown tensor type '${name}'`);
  return t;
}

/** Bytes for a row of `n` elements; throws when n is not a multiple of the block size. */
export function rowBytes(t: GgmlTypeInfo, n: number): number {
  if (n % t.blockSize !== 0) {
    throw new FormatError("ggml", `row of ${n} elements is not a multiple of ${t.name}'s block size ${t.blockSize}`);
  }
  return (n / t.blockSize) * t.typeSize;
}

export const ALL_GGML_TYPES: readonly GgmlTypeInfo[] = TABLE;
