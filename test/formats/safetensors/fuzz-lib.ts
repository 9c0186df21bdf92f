// Seeded fuzz runs for the safetensors reader and index parser (shared with bench/): each case parses or throws a WeftError.
import { isDeepStrictEqual } from "node:util";
import {
  dtypeSize, parseCheckpointIndex, parseSafetensors, SafetensorsFile, serializeCheckpointIndex, serializeSafetensors, toFloat32,
} from "../../../src/formats/safetensors/index.js";
import { WeftError } from "../../../src/util/errors.js";
import { FuzzSeed, mutate, mutateBytes, mutateJson, prng } from "./fuzz-mutate.js";
import { toWrite } from "./samples.js";

export { fuzzSeeds, prng } from "./fuzz-mutate.js";

export interface FuzzStats {
  cases: number;
  parsed: number;
  roundTrips: number;
  rejectedByClass: Map<string, number>;
  rejectedByMessage: Map<string, number>;
  /** Non-WeftError throws, broken invariants, round-trip changes: must stay empty. */
  failures: string[];
  maxCaseMs: number;
  /** The input of the slowest case, to time it again alone (a slow case is usually a GC pause or preemption). */
  slowest?: Uint8Array;
  /** Largest (estimated bytes a parsed file keeps beyond its buffer) / (its byte size). */
  maxFootprintRatio: number;
  peakMemoryMB: number;
}

export function newStats(): FuzzStats {
  return { cases: 0, parsed: 0, roundTrips: 0, rejectedByClass: new Map(), rejectedByMessage: new Map(), failures: [],
    maxCaseMs: 0, maxFootprintRatio: 0, peakMemoryMB: 0 };
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** An error message with names and numbers blanked, to count failure classes. */
function messageShape(m: string): string {
  return m.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "'…'").replace(/\d+/g, "N").slice(0, 110);
}

function footprint(f: SafetensorsFile): number {
  let n = 0;
  for (const t of f.tensors) n += 160 + 2 * t.name.length + 8 * t.shape.length;
  for (const [k, v] of Object.entries(f.metadata)) n += 64 + 2 * (k.length + v.length);
  return n;
}

/** Invariants of a parsed file: tiling, sizes, decoding; then write it back and read it again. */
function checkParsed(f: SafetensorsFile, bytes: Uint8Array, stats: FuzzStats, label: string): void {
  let pos = f.dataStart;
  for (const t of f.tensors) {
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (t.start !== pos || t.end - t.start !== elements * dtypeSize(t.dtype) || f.tensorData(t.name).length !== t.end - t.start) {
      stats.failures.push(`${label}: tensor ${t.name} breaks the layout invariants`);
    }
    if (toFloat32(f, t.name).length !== elements) stats.failures.push(`${label}: tensor ${t.name} decodes to the wrong length`);
    pos = t.end;
  }
  if (pos !== bytes.length) stats.failures.push(`${label}: tensors end at ${pos}, file at ${bytes.length}`);
  stats.maxFootprintRatio = Math.max(stats.maxFootprintRatio, footprint(f) / Math.max(bytes.length, 1));
  let p: SafetensorsFile;
  try {
    p = parseSafetensors(serializeSafetensors(toWrite(f), f.metadata, { order: "given", pad: false }));
  } catch (e) {
    stats.failures.push(`${label}: a parsed file failed to write back and parse: ${String(e)}`);
    return;
  }
  const same = isDeepStrictEqual(Object.entries(p.metadata), Object.entries(f.metadata)) && p.tensors.length === f.tensors.length &&
    p.tensors.every((t, i) => {
      const o = f.tensors[i]!;
      return t.name === o.name && t.dtype === o.dtype && isDeepStrictEqual(t.shape, o.shape) &&
        Buffer.from(p.tensorData(t.name)).equals(f.tensorData(o.name));
    });
  if (same) stats.roundTrips++;
  else stats.failures.push(`${label}: round trip changed the file's content`);
}

function record(e: unknown, stats: FuzzStats, label: string): void {
  if (e instanceof WeftError) {
    bump(stats.rejectedByClass, e.name);
    bump(stats.rejectedByMessage, messageShape(e.message));
  } else {
    stats.failures.push(`${label}: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

/** Parses one input; records the outcome. Anything but success or a WeftError is a failure. */
export function runCase(bytes: Uint8Array, stats: FuzzStats, label: string): void {
  stats.cases++;
  const t0 = performance.now();
  let f: SafetensorsFile | undefined;
  try {
    f = parseSafetensors(bytes, "fuzz.safetensors");
  } catch (e) {
    record(e, stats, label);
  }
  if (f) {
    stats.parsed++;
    try {
      checkParsed(f, bytes, stats, label);
    } catch (e) {
      stats.failures.push(`${label}: checking a parsed file threw ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
  const ms = performance.now() - t0;
  if (ms > stats.maxCaseMs) {
    stats.maxCaseMs = ms;
    stats.slowest = bytes.slice();
  }
}

/** Median milliseconds of `runs` fresh runs of one input (the same work as a fuzz case). */
export function timeCase(bytes: Uint8Array, runs = 101): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    runCase(bytes, newStats(), "retime");
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

function sampleMemory(stats: FuzzStats): void {
  const m = process.memoryUsage();
  stats.peakMemoryMB = Math.max(stats.peakMemoryMB, (m.heapUsed + m.arrayBuffers) / 2 ** 20);
}

/** Runs `n` file cases round-robin over the seeds, from PRNG seed `seed`. */
export function fuzz(seeds: FuzzSeed[], n: number, seed: number, stats = newStats()): FuzzStats {
  const r = prng(seed);
  for (let i = 0; i < n; i++) {
    const s = seeds[i % seeds.length]!;
    runCase(mutate(r, s), stats, `seed ${seed} case ${i} (${s.name})`);
    if ((i & 255) === 0) sampleMemory(stats);
  }
  return stats;
}

/** The index of a 3-shard checkpoint with odd names, as the writer makes it. */
export function indexSeed(): string {
  const map = new Map([["a.w", "model-00001-of-00003.safetensors"], ["é\u{1f600}", "model-00002-of-00003.safetensors"],
    ["c\"q", "model-00003-of-00003.safetensors"]]);
  return serializeCheckpointIndex({ total_size: 1234 }, map).replace('"total_size": 1234', '"total_size": 1234, "x": [{"y": null}, true, -1.5e3]');
}

/** Runs `n` mutated index texts through the index parser: each parses or throws a WeftError. */
export function fuzzIndex(n: number, seed: number, stats = newStats()): FuzzStats {
  const r = prng(seed);
  const text = indexSeed();
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < n; i++) {
    const input = r() % 2 ? new TextEncoder().encode(mutateJson(r, text)) : mutateBytes(r, bytes, bytes.length);
    stats.cases++;
    try {
      const idx = parseCheckpointIndex(input, "fuzz.index.json");
      stats.parsed++;
      for (const v of idx.weightMap.values()) if (typeof v !== "string") stats.failures.push(`index case ${i}: non-string shard`);
    } catch (e) {
      record(e, stats, `index seed ${seed} case ${i}`);
    }
  }
  return stats;
}
