// Growable little-endian byte writer used to build GGUF headers.
import { ArgumentError } from "../../util/errors.js";

const encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  u64(v: number | bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt(v), true);
    this.pos += 8;
  }

  /** u64 byte length then UTF-8 bytes; strings with lone surrogates are refused (they have no UTF-8 form). */
  string(s: string, what: () => string): void {
    if (LONE_SURROGATE.test(s)) throw new ArgumentError("gguf.write", `${what()} contains a lone UTF-16 surrogate`);
    this.ensure(8 + s.length * 3);
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.pos + 8));
    this.view.setBigUint64(this.pos, BigInt(written), true);
    this.pos += 8 + written;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const r = this.pos % alignment;
    if (r !== 0) {
      this.ensure(alignment - r);
      this.buf.fill(0, this.pos, this.pos + alignment - r);
      this.pos += alignment - r;
    }
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
