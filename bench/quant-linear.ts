// Quantised linear benchmark: native out = x . W^T for GGUF block weights. Decode (M = 1) in GB/s of weights
// read vs the machine's streaming-read bandwidth measured in the same run (the roofline anchor), and prefill
// (M = 128) in GFLOP/s next to the native F16 linear on the same shape. Medians; 1 and 2 threads.
// Usage: node dist/bench/quant-linear.js [--types Q8_0,Q4_0,...] [--threads 1,2] [--quick] [--json]
import { parseArgs } from "node:util";
import { execSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { loadAddon, loadNativeKernels } from "../src/backend/native/index.js";
import { quantize } from "../src/dtype/quants/index.js";
import { f32ArrayToF16 } from "../src/dtype/half.js";
import type { GgmlTypeName } from "../src/dtype/ggml.js";

const ALL = "F16,Q8_0,Q4_0,Q4_K,Q6_K,Q5_K,Q5_0,Q4_1,Q5_1,Q2_K,Q3_K";
const { values } = parseArgs({ options: {
  types: { type: "string", default: ALL }, threads: { type: "string", default: "1,2" },
  quick: { type: "boolean", default: false }, json: { type: "boolean", default: false },
} });
const types = values.types!.split(",") as GgmlTypeName[];
const threads = values.threads!.split(",").map(Number);
const DECODE: [number, number][] = values.quick ? [[2048, 2048]] : [[2048, 2048], [5632, 2048], [32000, 2048]];
const PREFILL: [number, number, number][] = values.quick ? [[128, 2048, 2048]] : [[128, 2048, 2048], [128, 5632, 2048]];

const maybeNative = loadNativeKernels(), maybeAddon = loadAddon();
if (!maybeNative || !maybeAddon) {
  console.error("native addon not built: run `npm run build:native`");
  process.exit(1);
}
const native = maybeNative, addon = maybeAddon;

function fill(a: Float32Array, seed: number): Float32Array {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/** Median ms of one call after a warm-up, with reps for ~budget ms (3..40). */
function medianMs(fn: () => void, budget = 800): number {
  let t0 = performance.now();
  fn();
  const reps = Math.max(3, Math.min(40, Math.round(budget / Math.max(performance.now() - t0, 1e-3))));
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

/** W [N, K] of `type`: 64 distinct quantised rows repeated (the TS K-quant quantisers are slow for 65M values). */
function weights(type: GgmlTypeName, N: number, K: number): Uint8Array {
  const base = fill(new Float32Array(64 * K), 7);
  const rows = type === "F16" ? new Uint8Array(f32ArrayToF16(base).buffer) : quantize(type, base, K);
  const rb = rows.byteLength / 64, w = new Uint8Array(N * rb);
  for (let n = 0; n < N; n += 64) w.set(rows.subarray(0, Math.min(64, N - n) * rb), n * rb);
  return w;
}

function machine(): string {
  let model = cpus()[0]?.model ?? "?";
  try {
    model = /Model name:\s*(.+)/.exec(execSync("lscpu", { encoding: "utf8" }))?.[1]?.trim() ?? model;
  } catch { /* no lscpu */ }
  return `${model}, ${cpus().length} cores, simd ${native.simd}, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`;
}

function out(line: string, rec?: object): void {
  if (values.json) { if (rec) console.log(JSON.stringify(rec)); } else console.log(line);
}

const stream = new Map<number, number>();
const big = fill(new Float32Array(64 << 20), 3);  // 256 MB
for (const t of threads) {
  native.setThreads(t);
  stream.set(t, big.byteLength / (medianMs(() => addon.sumAll(big)) * 1e6));
}

out(`# quantised linear, ${machine()}`);
out(`streaming read (native sum over 256 MB): ${threads.map((t) => `${t}T ${stream.get(t)!.toFixed(1)} GB/s`).join(", ")}`,
  { kind: "stream", gbps: Object.fromEntries(stream) });
out(`\n## decode: out[N] = x[K] . W^T, GB/s of W (ratio = / streaming read at the same threads)\n`);
out(`| type | N x K | threads | ms | GB/s | ratio |`);
out(`|---|---|---:|---:|---:|---:|`);
for (const type of types) {
  for (const [N, K] of DECODE) {
    const w = weights(type, N, K), x = fill(new Float32Array(K), 4), o = new Float32Array(N);
    for (const t of threads) {
      native.setThreads(t);
      const ms = medianMs(() => native.linear!(x, w, type, o, 1, N, K));
      const gbps = w.byteLength / (ms * 1e6);
      out(`| ${type} | ${N} x ${K} | ${t} | ${ms.toFixed(3)} | ${gbps.toFixed(1)} | ${(gbps / stream.get(t)!).toFixed(2)} |`,
        { kind: "decode", type, N, K, threads: t, ms, gbps, ratio: gbps / stream.get(t)! });
    }
  }
}
out(`\n## prefill: out[M, N] = x[M, K] . W^T, GFLOP/s (2 M N K / time)\n`);
out(`| type | M x N x K | threads | ms | GFLOP/s |`);
out(`|---|---|---:|---:|---:|`);
for (const type of types) {
  for (const [M, N, K] of PREFILL) {
    const w = weights(type, N, K), x = fill(new Float32Array(M * K), 5), o = new Float32Array(M * N);
    for (const t of threads) {
      native.setThreads(t);
      const ms = medianMs(() => native.linear!(x, w, type, o, M, N, K), 1500);
      const gf = (2 * M * N * K) / (ms * 1e6);
      out(`| ${type} | ${M} x ${N} x ${K} | ${t} | ${ms.toFixed(2)} | ${gf.toFixed(1)} |`,
        { kind: "prefill", type, M, N, K, threads: t, ms, gflops: gf });
    }
  }
}
native.setThreads(threads[threads.length - 1]!);
