// GGUF v2/v3 reader: parses header, metadata and tensor infos over one byte buffer; tensor data stays in place.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { constants as bufferConstants } from "node:buffer";
import { FormatError, UnsupportedError } from "../../util/errors.js";
import { ByteReader, q } from "./byte-reader.js";
import { readValue, readValueType } from "./read-values.js";
import { alignUp, checkLayout, MIN_TENSOR_INFO_BYTES, readTensorInfos } from "./read-tensors.js";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufFile, GgufTensorInfo, GgufTypeSpec, GgufValue } from "./types.js";

/** Smallest possible key/value as stored: key length (8) + value type (4) + a 1-byte value. */
const MIN_KV_BYTES = 13;

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}

/** Reads magic and version; returns the version (2 or 3). */
function readHeader(r: ByteReader): number {
  if (r.bytes.length < 4) throw new FormatError("gguf", `file is ${r.bytes.length} bytes, too short for the GGUF magic`);
  const magic = r.u32(() => "magic");
  if (magic !== GGUF_MAGIC) {
    const text = JSON.stringify(String.fromCharCode(...r.bytes.subarray(0, 4)));
    throw new FormatError("gguf", `bad magic ${hex32(magic)} (${text}); a GGUF file starts with "GGUF"`);
  }
  const version = r.u32(() => "version");
  if (version === 2 || version === 3) return version;
  if (version === 0) throw new FormatError("gguf", "version 0 is invalid");
  if (version === 1) {
    throw new FormatError("gguf", "version 1 is not supported (GGUF v1 used 32-bit counts); convert the file again");
  }
  if ((version & 0xffff) === 0) {
    throw new FormatError("gguf", `version ${hex32(version)}: byte-swapped (big-endian) GGUF is not supported`);
  }
  throw new FormatError("gguf", `version ${version} is not supported (weft reads versions 2 and 3)`);
}

function readMetadata(r: ByteReader, n: number): { metadata: Map<string, GgufValue>; types: Map<string, GgufTypeSpec> } {
  const metadata = new Map<string, GgufValue>();
  const types = new Map<string, GgufTypeSpec>();
  for (let i = 0; i < n; i++) {
    const key = r.string(() => `metadata key #${i}`);
    if (key.length === 0) throw new FormatError("gguf", `metadata key #${i} is empty`);
    if (metadata.has(key)) throw new FormatError("gguf", `metadata key ${q(key)} appears twice (key #${i})`);
    const t = readValueType(r, () => `key ${q(key)} value type`);
    const { value, spec } = readValue(r, t, () => `key ${q(key)}`);
    metadata.set(key, value);
    types.set(key, spec);
  }
  return { metadata, types };
}

function readAlignment(metadata: Map<string, GgufValue>, types: Map<string, GgufTypeSpec>): number {
  const spec = types.get("general.alignment");
  if (!spec) return GGUF_DEFAULT_ALIGNMENT;
  if (spec.type !== "u32") {
    const t = spec.type === "array" ? `array of ${spec.itemType}` : spec.type;
    throw new FormatError("gguf", `general.alignment must be a u32 but is ${t}`);
  }
  const a = metadata.get("general.alignment") as number;
  if (a === 0 || (a & (a - 1)) !== 0) throw new FormatError("gguf", `general.alignment ${a} is not a power of two`);
  return a;
}

/** Parses a whole GGUF v2/v3 file held in memory. Tensor data is not copied: tensorData() returns views of `bytes`. */
export function parseGguf(bytes: Uint8Array): GgufFile {
  const r = new ByteReader(bytes);
  const version = readHeader(r);
  const tensorCount = r.count64(() => "tensor count", MIN_TENSOR_INFO_BYTES);
  const kvCount = r.count64(() => "metadata key count", MIN_KV_BYTES);
  if (tensorCount * MIN_TENSOR_INFO_BYTES + kvCount * MIN_KV_BYTES > r.remaining) {
    throw new FormatError(
      "gguf",
      `tensor count ${tensorCount} and metadata key count ${kvCount} need more than the ${r.remaining} bytes that remain`,
    );
  }
  const { metadata, types } = readMetadata(r, kvCount);
  const alignment = readAlignment(metadata, types);
  const raw = readTensorInfos(r, tensorCount);
  const dataOffset = alignUp(r.pos, alignment);
  checkLayout(raw, dataOffset, alignment, bytes.length);
  const tensors: GgufTensorInfo[] = raw.map((t) => ({
    name: t.name,
    shape: t.shape,
    type: t.type,
    offset: dataOffset + t.relOffset,
    nbytes: t.nbytes,
  }));
  const tensorsByName = new Map(tensors.map((t) => [t.name, t]));
  return {
    version,
    alignment,
    dataOffset,
    metadata,
    metadataTypes: types,
    tensors,
    tensorsByName,
    bytes,
    tensorData(name: string): Uint8Array {
      const t = tensorsByName.get(name);
      if (!t) throw new FormatError("gguf", `no tensor named ${q(name)} (the file has ${tensors.length} tensors)`);
      return bytes.subarray(t.offset, t.offset + t.nbytes);
    },
  };
}

/** Reads the file once into one Buffer allocated outside the JS heap, then parses it without further copies. */
export function readGgufFile(path: string): GgufFile {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size > bufferConstants.MAX_LENGTH) {
      throw new UnsupportedError("gguf", `${path} is ${size} bytes, above the ${bufferConstants.MAX_LENGTH}-byte buffer limit`);
    }
    const buf = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, Math.min(size - done, 1 << 30), done);
      if (n === 0) throw new FormatError("gguf", `${path} ended at byte ${done} while reading ${size} bytes (file changed?)`);
      done += n;
    }
    return parseGguf(buf);
  } finally {
    closeSync(fd);
  }
}
