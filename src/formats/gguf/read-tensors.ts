// Reads GGUF tensor infos and checks the data layout: sizes, alignment, no overlaps or gaps, nothing past the end.
import { GgmlTypeInfo, ggmlTypeById } from "../../dtype/ggml.js";
import { FormatError } from "../../util/errors.js";
import { ByteReader, decodeUtf8, q } from "./byte-reader.js";
import { GGML_MAX_DIMS, GGML_MAX_NAME, MAX_EXACT_INT } from "./types.js";

/** Smallest possible tensor info: name length (8), n_dims (4), type (4), offset (8). */
export const MIN_TENSOR_INFO_BYTES = 24;

/** A tensor info as stored: offset relative to the data section. */
export interface RawTensorInfo {
  name: string;
  shape: number[];
  type: GgmlTypeInfo;
  relOffset: number;
  nbytes: number;
}

export function alignUp(n: number, alignment: number): number {
  const r = n % alignment;
  return r === 0 ? n : n + (alignment - r);
}

function readName(r: ByteReader, i: number): string {
  const len = r.size64(() => `tensor #${i} name length`);
  if (len >= GGML_MAX_NAME) {
    throw new FormatError("gguf", `tensor #${i} name is ${len} bytes; ggml allows at most ${GGML_MAX_NAME - 1}`);
  }
  const raw = r.take(len, () => `tensor #${i} name`);
  const name = decodeUtf8(raw);
  if (name === null) throw new FormatError("gguf", `tensor #${i} name is not valid UTF-8`);
  return name;
}

function readShape(r: ByteReader, name: string): number[] {
  const nDims = r.u32(() => `tensor ${q(name)} n_dims`);
  if (nDims > GGML_MAX_DIMS) {
    throw new FormatError("gguf", `tensor ${q(name)} has ${nDims} dimensions; at most ${GGML_MAX_DIMS} are allowed`);
  }
  const shape: number[] = [];
  let elements = 1;
  for (let d = 0; d < nDims; d++) {
    const ne = r.size64(() => `tensor ${q(name)} dimension ${d}`);
    elements *= ne;
    if (elements > MAX_EXACT_INT) {
      throw new FormatError("gguf", `tensor ${q(name)} element count overflows 2^53 at dimension ${d} (${ne})`);
    }
    shape.push(ne);
  }
  return shape;
}

function tensorBytes(name: string, shape: number[], type: GgmlTypeInfo, fileBytes: number): number {
  const ne0 = shape.length > 0 ? shape[0]! : 1;
  if (ne0 % type.blockSize !== 0) {
    throw new FormatError(
      "gguf",
      `tensor ${q(name)} first dimension ${ne0} is not a multiple of ${type.name}'s block size ${type.blockSize}`,
    );
  }
  let nbytes = (ne0 / type.blockSize) * type.typeSize;
  for (let d = 1; d < shape.length; d++) nbytes *= shape[d]!;
  if (nbytes > fileBytes) {
    throw new FormatError(
      "gguf",
      `tensor ${q(name)} [${shape.join(", ")}] ${type.name} needs ${nbytes} bytes but the file is only ${fileBytes} bytes`,
    );
  }
  return nbytes;
}

/** Reads `n` tensor infos; refuses duplicate or over-long names, bad shapes and unknown types. */
export function readTensorInfos(r: ByteReader, n: number): RawTensorInfo[] {
  const out: RawTensorInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const name = readName(r, i);
    if (seen.has(name)) throw new FormatError("gguf", `tensor name ${q(name)} appears twice (tensor #${i})`);
    seen.add(name);
    const shape = readShape(r, name);
    const typeId = r.u32(() => `tensor ${q(name)} type`);
    const type = ggmlTypeById(typeId);
    if (!type) throw new FormatError("gguf", `tensor ${q(name)} has unknown ggml type id ${typeId}`);
    const nbytes = tensorBytes(name, shape, type, r.bytes.length);
    const relOffset = r.size64(() => `tensor ${q(name)} offset`);
    out.push({ name, shape, type, relOffset, nbytes });
  }
  return out;
}

/**
 * Checks the data layout: sorted by offset, each tensor starts at the previous end padded to the alignment
 * (no overlap, no gap; the first at 0), and ends inside the file.
 */
export function checkLayout(infos: RawTensorInfo[], dataOffset: number, alignment: number, fileBytes: number): void {
  const sorted = infos.map((t, i) => ({ t, i })).sort((a, b) => a.t.relOffset - b.t.relOffset || a.i - b.i);
  let expected = 0;
  let prev: RawTensorInfo | null = null;
  for (const { t } of sorted) {
    const at = `tensor ${q(t.name)} offset ${t.relOffset}`;
    if (t.relOffset % alignment !== 0) throw new FormatError("gguf", `${at} is not a multiple of the alignment ${alignment}`);
    if (t.relOffset < expected) {
      throw new FormatError("gguf", `${at} overlaps tensor ${q(prev!.name)}, which ends at ${prev!.relOffset + prev!.nbytes}`);
    }
    if (t.relOffset > expected) {
      const after = prev ? `tensor ${q(prev.name)} padded to ${expected}` : "the start of the data section";
      throw new FormatError("gguf", `${at} leaves a gap of ${t.relOffset - expected} bytes after ${after}`);
    }
    const end = dataOffset + t.relOffset + t.nbytes;
    if (end > fileBytes) {
      throw new FormatError("gguf", `tensor ${q(t.name)} ends at byte ${end} but the file has ${fileBytes}`);
    }
    expected = alignUp(t.relOffset + t.nbytes, alignment);
    prev = t;
  }
}
