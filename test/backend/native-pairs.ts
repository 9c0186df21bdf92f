// Helpers for the native parity tests: backend pairs (kernels under test vs the reference), seeded data, NMSE.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Kernels, PartialKernels } from "../../src/backend/contract.js";
import { refKernels } from "../../src/backend/ref/index.js";
import { loadNativeGenericKernels, loadNativeKernels, type NativeKernels } from "../../src/backend/native/index.js";

/** f32 parity bound: NMSE = sum((a - b)^2) / sum(b^2). */
export const NMSE_F32 = 1e-7;
/** SIZES around SIMD widths (DESIGN.md principle 8). */
export const SIZES = [1, 7, 31, 32, 33, 4096];

export interface Pair {
  name: string;
  /** Kernels under test (every kernel the addon provides is present). */
  test: Kernels;
  /** The expected side. */
  expected: Kernels;
  /** Runs before each test of the pair (thread count). */
  setup(): void;
}

const native: NativeKernels | null = loadNativeKernels();
const generic: PartialKernels | null = loadNativeGenericKernels();
export const SKIP_MESSAGE = "native addon not built (run `npm run build:native`); native parity skipped";

function full(k: PartialKernels): Kernels {
  return { ...refKernels, ...k } as Kernels;
}

/** native(1 thread) vs ref, native(2 threads) vs ref, native generic C vs ref, native SIMD vs native generic. */
export function pairs(): Pair[] {
  if (!native || !generic) return [];
  const n = full(native), g = full(generic);
  const threads = (t: number) => () => native.setThreads(t);
  return [
    { name: `native ${native.simd} 1 thread vs ref`, test: n, expected: refKernels, setup: threads(1) },
    { name: `native ${native.simd} 2 threads vs ref`, test: n, expected: refKernels, setup: threads(2) },
    { name: "native generic C vs ref", test: g, expected: refKernels, setup: threads(1) },
    { name: `native ${native.simd} 2 threads vs native generic C`, test: n, expected: g, setup: threads(2) },
  ];
}

/** Declares `body` once per backend pair (or one skipped test when the addon is absent). */
export function forEachPair(title: string, body: (p: Pair) => void): void {
  const ps = pairs();
  if (ps.length === 0) {
    it(title, (t) => t.skip(SKIP_MESSAGE));
    return;
  }
  describe(title, () => {
    for (const p of ps) {
      it(p.name, () => {
        p.setup();
        try {
          body(p);
        } finally {
          native?.setThreads(2);
        }
      });
    }
  });
}

/** Deterministic uniform floats in [lo, hi) (mulberry32). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

export function randArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r(lo, hi);
  return a;
}

/** NMSE of `got` against `want`; non-finite entries must match exactly and are left out of the sums. */
export function nmse(got: Float32Array, want: Float32Array): number {
  assert.equal(got.length, want.length, "lengths differ");
  let err = 0, ref = 0;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, b = want[i]!;
    if (!Number.isFinite(b) || !Number.isFinite(a)) {
      if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b)) && a !== b) return Infinity;
      continue;
    }
    err += (a - b) ** 2;
    ref += b * b;
  }
  return ref > 0 ? err / ref : err;
}

/** Asserts NMSE(got, want) <= tol, naming the case. */
export function close(got: Float32Array, want: Float32Array, what: string, tol = NMSE_F32): void {
  const e = nmse(got, want);
  if (!(e <= tol)) {
    let worst = 0, at = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i]! - want[i]!);
      if (!(d <= worst)) {
        worst = d;
        at = i;
      }
    }
    assert.fail(`${what}: NMSE ${e.toExponential(3)} > ${tol} (worst at ${at}: got ${got[at]} want ${want[at]})`);
  }
}
