// Seeded mutation fuzzer for the GGUF reader, shared by the test suite and bench/gguf-fuzz.ts.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { GgufFile, parseGguf, serializeGguf, validateGgufModel } from "../../../src/formats/gguf/index.js";
import { WeftError } from "../../../src/util/errors.js";
import { fixturePath } from "../../helpers/fixtures.js";
import { sampleGguf, toWrite } from "./samples.js";

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
  /** End of the header region (where parsing happens); mutations favour it. */
  headerEnd: number;
  /** Offsets of little u64 values in the header: likely counts, lengths, dims and offsets. */
  u64Spots: number[];
}

export function makeSeed(name: string, bytes: Uint8Array, headerEnd: number): FuzzSeed {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64Spots: number[] = [];
  for (let p = 0; p + 8 <= headerEnd; p++) {
    const lo = dv.getUint32(p, true);
    if (dv.getUint32(p + 4, true) === 0 && lo > 0 && lo < 1 << 20) u64Spots.push(p);
  }
  return { name, bytes: Uint8Array.from(bytes), headerEnd, u64Spots };
}

const HUGE_U64 = [2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n, 2n ** 53n + 1n, 2n ** 53n, 2n ** 32n, 2n ** 32n - 1n, 2n ** 31n];
const U32S = [0, 1, 2, 3, 4, 5, 9, 12, 13, 31, 64, 0xff, 0xffff, 0x80000000, 0xffffffff, 0x03000000];

function pick(r: () => number, s: FuzzSeed, len: number): number {
  if (len === 0) return 0;
  const hot = Math.min(s.headerEnd, len);
  return r() % 5 !== 0 && hot > 0 ? r() % hot : r() % len;
}

function setU64(b: Uint8Array, p: number, v: bigint): void {
  for (let i = 0; i < 8 && p + i < b.length; i++) b[p + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

function u64Value(r: () => number, len: number): bigint {
  switch (r() % 4) {
    case 0: return HUGE_U64[r() % HUGE_U64.length]!;
    case 1: return (BigInt(r()) << 32n) | BigInt(r());
    case 2: return BigInt(r() % 4096);
    default: return BigInt(Math.max(0, len + (r() % 64) - 32));
  }
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

/** One mutated copy of the seed: 1-3 of flip, set, insert, delete, huge u64, odd u32, truncate, copy. */
export function mutate(r: () => number, s: FuzzSeed): Uint8Array {
  let b: Uint8Array = Uint8Array.from(s.bytes);
  const ops = 1 + (r() % 3);
  for (let k = 0; k < ops; k++) {
    const p = pick(r, s, b.length);
    switch (r() % 8) {
      case 0: if (b.length) b[p] = b[p]! ^ (1 << (r() % 8)); break;
      case 1: if (b.length) b[p] = r() & 0xff; break;
      case 2: {
        const ins = Uint8Array.from({ length: 1 + (r() % 8) }, () => r() & 0xff);
        b = concat(b.subarray(0, p), ins, b.subarray(p));
        break;
      }
      case 3: b = concat(b.subarray(0, p), b.subarray(p + 1 + (r() % 16))); break;
      case 4: {
        const spot = s.u64Spots.length && r() % 4 !== 0 ? s.u64Spots[r() % s.u64Spots.length]! : p;
        setU64(b, spot, u64Value(r, b.length));
        break;
      }
      case 5: {
        const v = r() % 2 ? U32S[r() % U32S.length]! : r();
        for (let i = 0; i < 4 && p + i < b.length; i++) b[p + i] = (v >>> (8 * i)) & 0xff;
        break;
      }
      case 6: b = b.subarray(0, p); break;
      default: {
        const n = 1 + (r() % 32);
        b.copyWithin(p, pick(r, s, b.length), pick(r, s, b.length) + n);
      }
    }
  }
  return b;
}

export interface FuzzStats {
  cases: number;
  parsed: number;
  validated: number;
  roundTrips: number;
  rejectedByClass: Map<string, number>;
  rejectedByMessage: Map<string, number>;
  /** Non-WeftError throws, round-trip mismatches: must stay empty. */
  failures: string[];
  maxCaseMs: number;
  /** Largest (estimated retained bytes of a parsed file) / (its byte size). */
  maxFootprintRatio: number;
  peakMemoryMB: number;
}

export function newStats(): FuzzStats {
  return { cases: 0, parsed: 0, validated: 0, roundTrips: 0, rejectedByClass: new Map(), rejectedByMessage: new Map(),
    failures: [], maxCaseMs: 0, maxFootprintRatio: 0, peakMemoryMB: 0 };
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Rough bytes a parsed file keeps alive beyond its buffer: 8 per array slot, string chars, typed arrays, 128 per tensor. */
function footprint(g: GgufFile): number {
  let n = 128 * g.tensors.length;
  for (const [k, v] of g.metadata) {
    n += 64 + k.length;
    if (typeof v === "string") n += v.length;
    else if (ArrayBuffer.isView(v)) n += v.byteLength;
    else if (Array.isArray(v)) for (const x of v) n += 8 + (typeof x === "string" ? x.length : 0);
  }
  return n;
}

function checkRoundTrip(g: GgufFile, stats: FuzzStats, label: string): void {
  let p: GgufFile;
  try {
    p = parseGguf(serializeGguf(toWrite(g)));
  } catch (e) {
    stats.failures.push(`${label}: a parsed file failed to write back and parse: ${String(e)}`);
    return;
  }
  const same = isDeepStrictEqual(p.metadata, g.metadata) && isDeepStrictEqual(p.metadataTypes, g.metadataTypes) &&
    p.tensors.every((t, i) => t.name === g.tensors[i]!.name && isDeepStrictEqual(t.shape, g.tensors[i]!.shape) &&
      Buffer.from(p.tensorData(t.name)).equals(g.tensorData(t.name)));
  if (same) stats.roundTrips++;
  else stats.failures.push(`${label}: round trip changed the file's content`);
}

/** An error message with names, numbers and magic bytes blanked, to count failure classes. */
function messageShape(m: string): string {
  return m.replace(/bad magic .*;/, "bad magic …;").replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "'…'").replace(/\d+/g, "N").slice(0, 100);
}

/** Parses one input; records the outcome. Anything but success or a WeftError is a failure. */
export function runCase(bytes: Uint8Array, stats: FuzzStats, label: string, roundTrip: boolean): void {
  stats.cases++;
  const t0 = performance.now();
  try {
    const g = parseGguf(bytes);
    stats.parsed++;
    for (const t of g.tensors) if (g.tensorData(t.name).length !== t.nbytes) stats.failures.push(`${label}: tensor size`);
    stats.maxFootprintRatio = Math.max(stats.maxFootprintRatio, footprint(g) / Math.max(bytes.length, 1));
    try {
      validateGgufModel(g);
      stats.validated++;
    } catch (e) {
      if (!(e instanceof WeftError)) stats.failures.push(`${label}: validate threw ${String(e)}`);
    }
    if (roundTrip) checkRoundTrip(g, stats, label);
  } catch (e) {
    if (e instanceof WeftError) {
      bump(stats.rejectedByClass, e.name);
      bump(stats.rejectedByMessage, messageShape(e.message));
    } else {
      stats.failures.push(`${label}: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
  stats.maxCaseMs = Math.max(stats.maxCaseMs, performance.now() - t0);
}

/** Runs `n` cases round-robin over the seeds, from PRNG seed `seed`. */
export function fuzz(seeds: FuzzSeed[], n: number, seed: number, stats = newStats(), roundTrip = true): FuzzStats {
  const r = prng(seed);
  for (let i = 0; i < n; i++) {
    const s = seeds[i % seeds.length]!;
    runCase(mutate(r, s), stats, `seed ${seed} case ${i} (${s.name})`, roundTrip);
    if ((i & 255) === 0) {
      const m = process.memoryUsage();
      stats.peakMemoryMB = Math.max(stats.peakMemoryMB, (m.heapUsed + m.arrayBuffers) / 2 ** 20);
    }
  }
  return stats;
}

/** The fuzz seeds: writer-made small files, and (when the fixture is there) the stories260K header region. */
export function fuzzSeeds(): FuzzSeed[] {
  const sample = serializeGguf(sampleGguf());
  const seeds = [
    makeSeed("sample", sample, parseGguf(sample).dataOffset),
    (() => {
      const v2 = serializeGguf({ ...sampleGguf(), version: 2, alignment: 64 });
      return makeSeed("sample-v2-a64", v2, parseGguf(v2).dataOffset);
    })(),
  ];
  const path = fixturePath("models/stories260K/stories260K.gguf");
  if (path) {
    const g = parseGguf(new Uint8Array(readFileSync(path)));
    seeds.push(makeSeed("stories260K-header", g.bytes.subarray(0, g.dataOffset), g.dataOffset));
    const small = serializeGguf({ metadata: g.metadata, metadataTypes: g.metadataTypes, tensors: sampleGguf().tensors });
    seeds.push(makeSeed("stories260K-meta+tiny-tensors", small, parseGguf(small).dataOffset));
  }
  return seeds;
}
