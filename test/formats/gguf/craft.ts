// Byte builders for crafting GGUF files field by field, valid or deliberately broken, in tests.

/** Little-endian byte sink. */
export class Bytes {
  private parts: number[] = [];

  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.parts.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  u64(v: number | bigint): this {
    let b = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 8; i++) {
      this.parts.push(Number(b & 0xffn));
      b >>= 8n;
    }
    return this;
  }
  f32(v: number): this {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setFloat32(0, v, true);
    return this.raw(new Uint8Array(dv.buffer));
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]! & 0xff);
    return this;
  }
  /** u64 length (the real one unless `len` is given) then the bytes (UTF-8 for strings). */
  str(s: string | Uint8Array, len?: number | bigint): this {
    const b = typeof s === "string" ? new TextEncoder().encode(s) : s;
    return this.u64(len ?? b.length).raw(b);
  }
  padTo(alignment: number): this {
    while (this.parts.length % alignment !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Value type ids. */
export const T = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 };

/** A raw key/value: key bytes, type id, value writer. */
export interface KV {
  key: string | Uint8Array;
  keyLen?: number | bigint;
  type: number;
  value: (b: Bytes) => void;
}

export const kvStr = (key: string, v: string | Uint8Array, len?: number | bigint): KV => ({
  key, type: T.string, value: (b) => b.str(v, len),
});
export const kvU32 = (key: string, v: number): KV => ({ key, type: T.u32, value: (b) => b.u32(v) });
export const kvU64 = (key: string, v: number | bigint): KV => ({ key, type: T.u64, value: (b) => b.u64(v) });
export const kvI32 = (key: string, v: number): KV => ({ key, type: T.i32, value: (b) => b.u32(v >>> 0) });
export const kvStrArray = (key: string, items: (string | Uint8Array)[], count?: number | bigint): KV => ({
  key,
  type: T.array,
  value: (b) => {
    b.u32(T.string).u64(count ?? items.length);
    for (const s of items) b.str(s);
  },
});

/** A raw tensor info. */
export interface TI {
  name: string | Uint8Array;
  nameLen?: number | bigint;
  dims: (number | bigint)[];
  nDims?: number;
  type: number;
  offset: number | bigint;
}

export interface Craft {
  magic?: number;
  version?: number;
  tensorCount?: number | bigint;
  kvCount?: number | bigint;
  kvs?: KV[];
  tensors?: TI[];
  alignment?: number;
  /** Bytes of tensor data after the padding (default: what the tensors need, padded). */
  dataBytes?: number;
  /** Cut the file to this many bytes. */
  truncate?: number;
}

export const baseKvs = (): KV[] => [kvStr("general.architecture", "llama"), kvU32("llama.block_count", 1)];
/** Two F32 tensors: a [4] (16 bytes, padded to 32) and b [8, 2] (64 bytes) at 32: data is 96 bytes. */
export const baseTensors = (): TI[] => [
  { name: "blk.0.a", dims: [4], type: 0, offset: 0 },
  { name: "blk.0.b", dims: [8, 2], type: 0, offset: 32 },
];

/** Builds a GGUF file from raw fields; defaults give a valid v3 file with two F32 tensors. */
export function craft(c: Craft = {}): Uint8Array {
  const kvs = c.kvs ?? baseKvs();
  const tensors = c.tensors ?? baseTensors();
  const b = new Bytes().u32(c.magic ?? 0x46554747).u32(c.version ?? 3);
  b.u64(c.tensorCount ?? tensors.length).u64(c.kvCount ?? kvs.length);
  for (const kv of kvs) {
    b.str(kv.key, kv.keyLen).u32(kv.type);
    kv.value(b);
  }
  for (const t of tensors) {
    b.str(t.name, t.nameLen).u32(t.nDims ?? t.dims.length);
    for (const d of t.dims) b.u64(d);
    b.u32(t.type).u64(t.offset);
  }
  b.padTo(c.alignment ?? 32);
  const data = c.dataBytes ?? (c.tensors ? 0 : 96);
  for (let i = 0; i < data; i++) b.u8(i);
  const out = b.build();
  return c.truncate !== undefined ? out.subarray(0, c.truncate) : out;
}
