// Fuzz mutations: byte edits, and JSON-token edits of the header with the length prefix fixed up to reach deeper checks.
import { readFileSync } from "node:fs";
import { parseSafetensors, serializeSafetensors } from "../../../src/formats/safetensors/index.js";
import { fixturePath } from "../../helpers/fixtures.js";
import { craft, sampleMetadata, sampleTensors } from "./samples.js";

/** mulberry32: a small seeded PRNG giving uint32s. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export interface FuzzSeed {
  name: string;
  bytes: Uint8Array;
  /** The header text and the data section, for token-level mutations. */
  header: string;
  data: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function makeSeed(name: string, bytes: Uint8Array): FuzzSeed {
  const f = parseSafetensors(bytes);
  return { name, bytes: Uint8Array.from(bytes), header: dec.decode(bytes.subarray(8, f.dataStart)), data: bytes.slice(f.dataStart) };
}

/** Writer-made small files, a hand-spaced header with escapes, and the reference sample with all dtypes (when present). */
export function fuzzSeeds(): FuzzSeed[] {
  const all = sampleTensors();
  const seeds = [
    makeSeed("sample", serializeSafetensors(all, sampleMetadata())),
    makeSeed("small-unpadded", serializeSafetensors(all.slice(0, 3).concat(all.slice(15, 17)), undefined, { order: "given", pad: false })),
    makeSeed("spaced-escapes", craft('{ "__metadata__" : null ,\n "a\\u00e9\\n" : { "shape" : [ 2 ] , "dtype" : "U8" , "data_offsets" : [ 0 , 2 ] } ,' +
      ' "b" : {"data_offsets":[2,2],"dtype":"F64","shape":[0,3]} }   ', Uint8Array.of(1, 2))),
  ];
  const overall = fixturePath("formats/safetensors/overall.safetensors");
  if (overall) seeds.push(makeSeed("overall", new Uint8Array(readFileSync(overall))));
  return seeds;
}

const TOKEN = /"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|[{}[\],:]|true|false|null/g;
const NUMBERS = ["0", "1", "-1", "2", "3", "7", "8", "24", "4294967296", "9007199254740991", "9007199254740992",
  "18446744073709551616", "1.5", "1e3", "-0", "2.0", "00", "1e400", "1E-2", "-", "0x10"];
const STRINGS = ['"F32"', '"F16"', '"BF16"', '"U8"', '"BOOL"', '"F8_E4M3"', '"U64"', '"F4"', '"C64"', '"f32"', '"dtype"',
  '"shape"', '"data_offsets"', '"__metadata__"', '"\\ud800"', '"\\udc00x"', '"\\u0000"', '"a\\"b"', '""', '"\\x"', '"\\u12"',
  '"__proto__"', '"\t"', '"é"'];
const OTHERS = ["{", "}", "[", "]", ",", ":", "null", "true", "[]", "{}", "[0,0]", '""', " ", "\ufeff", "\u00a0"];

function tokens(text: string): { at: number; end: number }[] {
  const out: { at: number; end: number }[] = [];
  for (const m of text.matchAll(TOKEN)) out.push({ at: m.index!, end: m.index! + m[0].length });
  return out;
}

/** 1-3 token edits of a JSON text: replace numbers, strings or anything, delete, duplicate a run, swap. */
export function mutateJson(r: () => number, text: string): string {
  let h = text;
  for (let k = 1 + (r() % 3); k > 0; k--) {
    const toks = tokens(h);
    if (toks.length === 0) break;
    const a = toks[r() % toks.length]!;
    const tok = h.slice(a.at, a.end);
    const put = (s: string) => (h = h.slice(0, a.at) + s + h.slice(a.end));
    switch (r() % 7) {
      case 0: put(/^[-0-9]/.test(tok) ? (r() % 3 ? NUMBERS[r() % NUMBERS.length]! : String(Number(tok) + (r() % 5) - 2)) : tok); break;
      case 1: put(tok.startsWith('"') ? STRINGS[r() % STRINGS.length]! : tok); break;
      case 2: {
        const strs = toks.filter((t) => h[t.at] === '"');
        if (strs.length) put(h.slice(strs[r() % strs.length]!.at, strs[r() % strs.length]!.end));
        break;
      }
      case 3: put(OTHERS[r() % OTHERS.length]!); break;
      case 4: put(""); break;
      case 5: {
        const b = toks[r() % toks.length]!;
        const [x, y] = a.at < b.at ? [a, b] : [b, a];
        const run = h.slice(x.at, y.end);
        const c = toks[r() % toks.length]!;
        h = h.slice(0, c.at) + run + h.slice(c.at);
        break;
      }
      default: {
        const b = toks[r() % toks.length]!;
        if (b.at > a.end) h = h.slice(0, a.at) + h.slice(b.at, b.end) + h.slice(a.end, b.at) + tok + h.slice(b.end);
      }
    }
  }
  return h;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

const LENGTHS = [0n, 1n, 7n, 8n, 100_000_000n, 100_000_001n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];

function setU64(b: Uint8Array, p: number, v: bigint): void {
  for (let i = 0; i < 8 && p + i < b.length; i++) b[p + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/** 1-3 byte edits: flip, set, insert, delete, truncate, copy, or a new header length; positions favour the header. */
export function mutateBytes(r: () => number, input: Uint8Array, hot: number): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input);
  for (let k = 1 + (r() % 3); k > 0; k--) {
    const h = Math.min(hot, b.length);
    const p = b.length === 0 ? 0 : r() % 4 !== 0 && h > 0 ? r() % h : r() % b.length;
    switch (r() % 8) {
      case 0: if (b.length) b[p] = b[p]! ^ (1 << (r() % 8)); break;
      case 1: if (b.length) b[p] = r() & 0xff; break;
      case 2: b = concat(b.subarray(0, p), Uint8Array.from({ length: 1 + (r() % 8) }, () => (r() % 2 ? r() & 0x7f : r() & 0xff)), b.subarray(p)); break;
      case 3: b = concat(b.subarray(0, p), b.subarray(p + 1 + (r() % 16))); break;
      case 4: b = b.subarray(0, p); break;
      case 5: b = concat(b, new Uint8Array(1 + (r() % 16))); break;
      case 6: setU64(b, 0, r() % 2 ? LENGTHS[r() % LENGTHS.length]! : BigInt(Math.max(0, hot - 8 + (r() % 16) - 8))); break;
      default: b.copyWithin(p, r() % Math.max(1, b.length), (r() % Math.max(1, b.length)) + 1 + (r() % 32));
    }
  }
  return b;
}

/** One mutated copy of a seed. */
export function mutate(r: () => number, s: FuzzSeed): Uint8Array {
  const hot = 8 + enc.encode(s.header).length;
  if (r() % 2) return mutateBytes(r, s.bytes, hot);
  const h = enc.encode(mutateJson(r, s.header));
  const len = r() % 8 ? h.length : Math.max(0, h.length + (r() % 9) - 4);
  const file = craft(h, s.data, len);
  return r() % 3 ? file : mutateBytes(r, file, 8 + h.length);
}
