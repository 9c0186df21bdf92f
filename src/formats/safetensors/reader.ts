// safetensors reader: length prefix, strict UTF-8 JSON header, and a data section whose tensors must tile it exactly.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { constants as bufferConstants } from "node:buffer";
import { FormatError, UnsupportedError } from "../../util/errors.js";
import { HeaderEntry, parseHeaderText } from "./header.js";
import { dtypeSize, MAX_EXACT_INT, MAX_HEADER_BYTES, q, SafetensorsFile, StTensorInfo } from "./types.js";

const OP = "safetensors";
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function fail(prefix: string, detail: string): never {
  throw new FormatError(OP, `${prefix}${detail}`);
}

/** Reads the u64 header length; returns the header text (strict UTF-8) and where the data section starts. */
function readHeaderText(bytes: Uint8Array, prefix: string): { text: string; dataStart: number } {
  if (bytes.length < 8) fail(prefix, `file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(prefix, `header length ${n64} is above the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(n64);
  if (8 + n > bytes.length) {
    fail(prefix, `header length ${n} runs past the end of the file (the header would end at byte ${8 + n}; the file has ${bytes.length})`);
  }
  try {
    return { text: utf8.decode(bytes.subarray(8, 8 + n)), dataStart: 8 + n };
  } catch {
    fail(prefix, `header (bytes 8..${8 + n}) is not valid UTF-8`);
  }
}

function shapeText(e: HeaderEntry): string {
  return `[${e.shape.join(", ")}]`;
}

/** Bytes the shape and dtype need, or -1 when that exceeds 2^53 - 1. */
function neededBytes(e: HeaderEntry): number {
  if (e.shape.includes(0)) return 0;
  let n = dtypeSize(e.dtype);
  for (const d of e.shape) {
    n *= d;
    if (n > MAX_EXACT_INT) return -1;
  }
  return n;
}

/** Each entry alone: offsets in order and inside the data, byte length matching shape x dtype size. */
function checkEntry(e: HeaderEntry, dataLen: number, prefix: string): void {
  const where = `tensor ${q(e.name)} data_offsets [${e.begin}, ${e.end}]`;
  if (e.end < e.begin) fail(prefix, `${where} end before they begin`);
  if (e.end > dataLen) fail(prefix, `${where} run past the data section, which is ${dataLen} bytes`);
  const need = neededBytes(e);
  if (need !== e.end - e.begin) {
    const needText = need < 0 ? "more than 2^53 bytes" : `${need} bytes`;
    fail(prefix, `tensor ${q(e.name)} ${e.dtype} ${shapeText(e)} needs ${needText} but data_offsets [${e.begin}, ${e.end}] hold ${e.end - e.begin}`);
  }
}

/** All entries together: sorted by offset they must tile the data section with no hole, overlap or trailing byte. */
function checkTiling(entries: HeaderEntry[], dataLen: number, prefix: string): HeaderEntry[] {
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: HeaderEntry | undefined;
  for (const e of sorted) {
    if (e.begin > pos) {
      const after = prev ? `after tensor ${q(prev.name)}` : "at the start of the data section";
      fail(prefix, `data bytes ${pos}..${e.begin} belong to no tensor (a hole ${after}, before tensor ${q(e.name)})`);
    }
    if (e.begin < pos) {
      fail(prefix, `tensor ${q(e.name)} data_offsets [${e.begin}, ${e.end}] overlap tensor ${q(prev!.name)} [${prev!.begin}, ${prev!.end}]`);
    }
    pos = e.end;
    prev = e;
  }
  if (pos < dataLen) {
    const last = prev ? `the last tensor ends at data byte ${pos}` : "the file has no tensors";
    fail(prefix, `${dataLen - pos} trailing bytes after the tensors: ${last} but the data section is ${dataLen} bytes`);
  }
  return sorted;
}

/**
 * Parses a whole safetensors file held in memory. Tensor data is not copied: tensorData() returns views of `bytes`.
 * `source` (a file name) starts every error message.
 */
export function parseSafetensors(bytes: Uint8Array, source?: string): SafetensorsFile {
  const prefix = source ? `${source}: ` : "";
  const { text, dataStart } = readHeaderText(bytes, prefix);
  const { metadata, entries } = parseHeaderText(text, OP, prefix);
  const dataLen = bytes.length - dataStart;
  for (const e of entries) checkEntry(e, dataLen, prefix);
  const tensors: StTensorInfo[] = checkTiling(entries, dataLen, prefix).map((e) => ({
    name: e.name,
    dtype: e.dtype,
    shape: e.shape,
    start: dataStart + e.begin,
    end: dataStart + e.end,
  }));
  const tensorsByName = new Map(tensors.map((t) => [t.name, t]));
  return {
    metadata,
    tensors,
    tensorsByName,
    bytes,
    dataStart,
    tensorData(name: string): Uint8Array {
      const t = tensorsByName.get(name);
      if (!t) throw new FormatError(OP, `${prefix}no tensor named ${q(name)} (the file has ${tensors.length} tensors)`);
      return bytes.subarray(t.start, t.end);
    },
  };
}

/** Reads the file once into one Buffer allocated outside the JS heap, then parses it without further copies. */
export function readSafetensorsFile(path: string): SafetensorsFile {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size > bufferConstants.MAX_LENGTH) {
      throw new UnsupportedError(OP, `${path} is ${size} bytes, above the ${bufferConstants.MAX_LENGTH}-byte buffer limit`);
    }
    const buf = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, Math.min(size - done, 1 << 30), done);
      if (n === 0) throw new FormatError(OP, `${path} ended at byte ${done} while reading ${size} bytes (file changed?)`);
      done += n;
    }
    return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.length), path);
  } finally {
    closeSync(fd);
  }
}
