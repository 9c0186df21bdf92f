// Native quantised linear (GGUF block weights) vs the reference kernel, on 1 and 2 threads, plus the scalar
// _generic C twin vs ref and SIMD vs _generic. Tolerance NMSE <= 1e-10: the integer dots are exact on both
// sides, so results differ only by f32 rounding of scale products and accumulation order (seen: ~1e-14);
// a single activation rounded differently (one int8 off by one) gives ~1e-7 or more and fails.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Kernels, PartialKernels } from "../../src/backend/contract.js";
import { refKernels } from "../../src/backend/ref/index.js";
import { loadNativeGenericKernels, loadNativeKernels, supportsLinear } from "../../src/backend/native/index.js";
import type { GgmlTypeName } from "../../src/dtype/ggml.js";
import { quantize } from "../../src/dtype/quants/index.js";
import { f32ArrayToBf16, f32ArrayToF16 } from "../../src/dtype/half.js";
import { ShapeError, ValueError } from "../../src/util/errors.js";
import { nmse, randArray, SKIP_MESSAGE } from "./native-pairs.js";

const TOL = 1e-10;
const LEGACY: GgmlTypeName[] = ["Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1"];
const KQUANT: GgmlTypeName[] = ["Q4_K", "Q6_K", "Q5_K", "Q2_K", "Q3_K"];
/** Activation rows: the decode tiles (up to 4 rows per decoded block, then the rest) and, from 32 rows, the
 *  prefill panels (33 also pads the panel's 4-row tiles). */
const MS = [1, 2, 3, 5, 8, 17, 33];
const NS = [1, 7, 31, 32, 33, 257];
/** K per family: one block, odd block counts (the SIMD pairs end on a lone block), larger rows. */
const KS: Record<string, number[]> = { legacy: [32, 96, 288, 1024], k: [256, 768, 2048] };

const native = loadNativeKernels();
const generic = loadNativeGenericKernels();

function full(k: PartialKernels): Kernels {
  return { ...refKernels, ...k } as Kernels;
}

function check(got: Float32Array, want: Float32Array, what: string): void {
  const e = nmse(got, want);
  assert.ok(e <= TOL, `${what}: NMSE ${e.toExponential(3)} > ${TOL}`);
}

/** W [N, K] quantised once at the largest N; smaller N take its first rows. Offset by one byte in its buffer
 *  so the kernels see an unaligned weight pointer. */
function weightsFor(type: GgmlTypeName, K: number, seed: number): { bytes: Uint8Array; rowBytes: number } {
  const q = quantize(type, randArray(NS[NS.length - 1]! * K, seed), K);
  const padded = new Uint8Array(q.byteLength + 1);
  padded.set(q, 1);
  return { bytes: padded.subarray(1), rowBytes: q.byteLength / NS[NS.length - 1]! };
}

/** Every (M, N) for one type and K: ref once, then native 1 thread, native 2 threads, generic; SIMD vs generic. */
function runType(type: GgmlTypeName, K: number, seed: number): void {
  const n = full(native!), g = full(generic!);
  const { bytes, rowBytes } = weightsFor(type, K, seed);
  for (const N of NS) {
    const w = bytes.subarray(0, N * rowBytes);
    for (const M of MS) {
      const x = randArray(M * K, seed + 7 * M + N, -2, 2);
      const want = new Float32Array(M * N);
      refKernels.linear(x, w, type, want, M, N, K);
      const gen = new Float32Array(M * N).fill(NaN);
      g.linear(x, w, type, gen, M, N, K);
      check(gen, want, `${type} generic C vs ref M=${M} N=${N} K=${K}`);
      for (const t of [1, 2]) {
        native!.setThreads(t);
        const got = new Float32Array(M * N).fill(NaN);
        n.linear(x, w, type, got, M, N, K);
        check(got, want, `${type} native ${t}T vs ref M=${M} N=${N} K=${K}`);
        check(got, gen, `${type} native ${t}T vs generic C M=${M} N=${N} K=${K}`);
      }
    }
  }
}

function skipOr(title: string, body: () => void): void {
  if (!native || !generic) it(title, (t) => t.skip(SKIP_MESSAGE));
  else it(title, () => {
    try {
      body();
    } finally {
      native.setThreads(2);
    }
  });
}

describe("native quantised linear vs ref", () => {
  let seed = 1000;
  for (const type of [...LEGACY, ...KQUANT]) {
    const ks = KS[LEGACY.includes(type) ? "legacy" : "k"]!;
    skipOr(`${type}: M ${MS.join(",")} x N ${NS.join(",")} x K ${ks.join(",")}`, () => {
      assert.equal(supportsLinear(type), true);
      for (const K of ks) runType(type, K, seed += 100);
    });
  }
});

/** Rows whose activations land exactly on .5 after scaling, so ties decide the rounding: Q8_0 / Q8_1 (amax 127
 *  -> 127 / amax = 1) and Q8_K (max 127 -> iscale -1) both round half to even, as ggml does on x86. */
function tieRows(M: number, K: number): Float32Array {
  const x = new Float32Array(M * K);
  for (let i = 0; i < x.length; i++) x[i] = i % 32 === 0 ? 127 : ((i * 37) % 200) / 2 - 50.5;
  return x;
}

describe("native quantised linear: activation rounding ties, errors", () => {
  skipOr("activation ties round as the reference does (half to even)", () => {
    const n = full(native!), g = full(generic!);
    for (const [type, K] of [["Q8_0", 96], ["Q4_0", 64], ["Q4_1", 64], ["Q4_K", 512], ["Q6_K", 256]] as const) {
      const M = 5, N = 9;
      const x = tieRows(M, K), w = quantize(type, randArray(N * K, 77), K);
      const want = new Float32Array(M * N), got = new Float32Array(M * N), gen = new Float32Array(M * N);
      refKernels.linear(x, w, type, want, M, N, K);
      n.linear(x, w, type, got, M, N, K);
      g.linear(x, w, type, gen, M, N, K);
      check(got, want, `${type} ties native vs ref`);
      check(gen, want, `${type} ties generic C vs ref`);
    }
  });

  skipOr("non-finite activations, bad K and short weights are typed errors", () => {
    const n = full(native!);
    const w = quantize("Q4_0", randArray(4 * 64, 5), 64), out = new Float32Array(8);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = randArray(2 * 64, 6);
      x[70] = bad;
      assert.throws(() => n.linear(x, w, "Q4_0", out, 2, 4, 64), (e: unknown) => e instanceof ValueError && /element 70/.test(String(e)));
    }
    assert.throws(() => n.linear(randArray(48, 1), w, "Q4_0", out, 1, 4, 48), ShapeError);
    assert.throws(() => n.linear(randArray(64, 1), w.subarray(1), "Q4_0", out, 1, 4, 64), ShapeError);
  });
});

describe("native F16 / BF16 linear rounds activations as ref does", () => {
  skipOr("F16 and BF16 weights: native vs ref at the quantised-linear tolerance", () => {
    const n = full(native!);
    for (const type of ["F16", "BF16"] as const) {
      for (const [M, N, K] of [[1, 33, 257], [5, 31, 96], [17, 7, 1024]] as const) {
        const x = randArray(M * K, M + N), wf = randArray(N * K, K);
        const w = new Uint8Array((type === "F16" ? f32ArrayToF16(wf) : f32ArrayToBf16(wf)).buffer);
        const want = new Float32Array(M * N), got = new Float32Array(M * N);
        refKernels.linear(x, w, type, want, M, N, K);
        n.linear(x, w, type, got, M, N, K);
        check(got, want, `${type} M=${M} N=${N} K=${K}`);
      }
    }
  });
});
