// Timing helpers for native kernel benchmarks (weft bench, bench/kernels.ts): warm up, then median of runs.
import { UnsupportedError } from "../../util/errors.js";
import { loadAddon, loadNativeKernels, type NativeKernels } from "./index.js";
import type { GgmlTypeName } from "../../dtype/ggml.js";

export interface Timing {
  /** Median milliseconds of one call. */
  ms: number;
  reps: number;
}

/** One warm-up call, then enough runs for ~budgetMs (3..25 of them); returns the median. */
export function medianMs(fn: () => void, budgetMs = 1500): Timing {
  let t0 = performance.now();
  fn();
  const warm = performance.now() - t0;
  const reps = Math.max(3, Math.min(25, Math.round(budgetMs / Math.max(warm, 1e-3))));
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return { ms: ts[Math.floor(reps / 2)]!, reps };
}

/** The native kernels or a typed error saying how to build them. */
export function requireNative(op: string): NativeKernels {
  const k = loadNativeKernels();
  if (!k) throw new UnsupportedError(op, "the native addon is not built: run `npm run build:native`");
  return k;
}

/** Deterministic pseudo-random fill in [-0.5, 0.5) (cheap: a large buffer takes milliseconds). */
export function fill(a: Float32Array, seed = 1): Float32Array {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

export interface MatmulBench extends Timing {
  gflops: number;
}

/** C[M,N] = A[M,K] x B[K,N] (row-major, no transposes) on `threads` threads. */
export function benchMatmul(M: number, N: number, K: number, threads: number, budgetMs?: number): MatmulBench {
  const k = requireNative("bench");
  k.setThreads(threads);
  const a = fill(new Float32Array(M * K), 1), b = fill(new Float32Array(K * N), 2), c = new Float32Array(M * N);
  const p = { batch: 1, M, N, K, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0, accumulate: false };
  const t = medianMs(() => k.matmul!(a, b, c, p), budgetMs);
  return { ...t, gflops: (2 * M * N * K) / (t.ms * 1e6) };
}

export interface BandwidthBench extends Timing {
  /** Bytes read per call / time, in GB/s (1e9 bytes). */
  gbps: number;
}

/** out[N] = x[K] . W^T with W [N, K] of `type` (F32, F16 or BF16): bytes of W streamed per call. */
export function benchMatvec(type: GgmlTypeName, N: number, K: number, threads: number): BandwidthBench {
  const k = requireNative("bench");
  k.setThreads(threads);
  const bytesPer = type === "F32" ? 4 : 2;
  const w = new Uint8Array(N * K * bytesPer);
  if (type === "F32") fill(new Float32Array(w.buffer), 3);
  else {  // small finite halves: sign/exponent bits kept in range for both f16 and bf16
    const h = new Uint16Array(w.buffer);
    for (let i = 0; i < h.length; i++) h[i] = (type === "F16" ? 0x3000 : 0x3c00) | ((i * 2654435761) >>> 22);
  }
  const x = fill(new Float32Array(K), 4), out = new Float32Array(N);
  const t = medianMs(() => k.linear!(x, w, type, out, 1, N, K));
  return { ...t, gbps: w.byteLength / (t.ms * 1e6) };
}

/** Streaming-read bandwidth: native sum over a buffer of `bytes`, in GB/s. */
export function benchStream(bytes: number, threads: number): BandwidthBench {
  const k = requireNative("bench");
  k.setThreads(threads);
  const addon = loadAddon()!;
  const x = fill(new Float32Array(bytes / 4), 5);
  const t = medianMs(() => addon.sumAll(x));
  return { ...t, gbps: x.byteLength / (t.ms * 1e6) };
}

