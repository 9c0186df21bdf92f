// Bounds-checked little-endian reader over a Uint8Array: every read and every count is checked against the bytes left.
import { FormatError } from "../../util/errors.js";
import { MAX_EXACT_INT } from "./types.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A key or name for an error message: quoted, control characters escaped, cut to 80 characters. */
export function q(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}…` : s;
  return /^[^\x00-\x1f\x7f']*$/.test(cut) ? `'${cut}'` : JSON.stringify(cut);
}

/** Decodes UTF-8 strictly; null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  // Short ASCII strings are the common case (vocabularies); decoding them by hand avoids the decoder's call cost.
  const n = bytes.length;
  if (n <= 32) {
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

export class ByteReader {
  readonly view: DataView;
  pos = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws unless `n` more bytes are there; `what` names the field being read. */
  need(n: number, what: () => string): void {
    if (n > this.remaining) {
      throw new FormatError(
        "gguf",
        `${what()} needs ${n} bytes at byte ${this.pos} but only ${this.remaining} remain (file is ${this.bytes.length} bytes)`,
      );
    }
  }

  u8(what: () => string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u32(what: () => string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(what: () => string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A u64 size, count or offset: refused when >= 2^63 (negative as i64) or above 2^53. */
  size64(what: () => string): number {
    const v = this.u64(what);
    if (v >= 1n << 63n) throw new FormatError("gguf", `${what()} is ${v} (negative as a signed 64-bit value)`);
    if (v > BigInt(MAX_EXACT_INT)) throw new FormatError("gguf", `${what()} is ${v}, above 2^53`);
    return Number(v);
  }

  /** A count of items of at least `minItemBytes` each, checked against the bytes left before anything is allocated. */
  count64(what: () => string, minItemBytes: number): number {
    const n = this.size64(what);
    if (n * minItemBytes > this.remaining) {
      throw new FormatError(
        "gguf",
        `${what()} is ${n} but only ${this.remaining} bytes remain at byte ${this.pos} (needs at least ${n * minItemBytes})`,
      );
    }
    return n;
  }

  /** A u64-length-prefixed UTF-8 string. */
  string(what: () => string): string {
    const len = this.size64(() => `${what()} length`);
    this.need(len, what);
    const s = decodeUtf8(this.bytes.subarray(this.pos, this.pos + len));
    if (s === null) throw new FormatError("gguf", `${what()} is not valid UTF-8`);
    this.pos += len;
    return s;
  }

  /** `n` raw bytes (a view, no copy). */
  take(n: number, what: () => string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
