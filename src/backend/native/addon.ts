// Loads the N-API addon (build/Release/weft.node) and declares its raw, unvalidated function table.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { log } from "../../util/log.js";

type F32 = Float32Array;
type I32 = Int32Array;

/** The addon's kernels: raw pointers in, no checks (see native/include/weft.h). Flags are 0/1 numbers. */
export interface RawKernels {
  matmul(a: F32, b: F32, c: F32, batch: number, M: number, N: number, K: number, transA: number, transB: number,
    strideA: number, strideB: number, strideC: number, accumulate: number): void;
  /** wType: 0 F32, 1 F16, 2 BF16. */
  linear(x: F32, w: Uint8Array, wType: number, out: F32, M: number, N: number, K: number): void;
  unary(op: number, x: F32, out: F32): void;
  unaryBackward(op: number, x: F32, y: F32, dy: F32, dx: F32): void;
  affine(x: F32, out: F32, alpha: number, beta: number): void;
  /** layout: [ndim, shape..., stridesA..., stridesB..., offsetA, offsetB]. */
  binary(op: number, a: F32, b: F32, out: F32, layout: Float64Array): void;
  reduce(op: number, x: F32, out: F32, outer: number, n: number, inner: number): void;
  /** Sum of every element (streaming read). */
  sumAll(x: F32): number;
  softmax(x: F32, out: F32, rows: number, cols: number, log: number): void;
  rmsNorm(x: F32, w: F32 | null, out: F32, rstd: F32, rows: number, cols: number, eps: number): void;
  layerNorm(x: F32, w: F32 | null, b: F32 | null, out: F32, mean: F32, rstd: F32, rows: number, cols: number,
    eps: number): void;
  rope(x: F32, out: F32, positions: I32, invFreq: F32, B: number, T: number, H: number, D: number, nRot: number,
    neox: number, inverse: number, attnFactor: number): void;
  attention(q: F32, k: F32, v: F32, mask: F32 | null, out: F32, lse: F32, B: number, T: number, S: number,
    H: number, Hkv: number, D: number, scale: number, causal: number, window: number, qPos0: number): void;
  gather(table: F32, ids: I32, out: F32, C: number): void;
  scatterAdd(grad: F32, ids: I32, dy: F32, C: number): void;
}

/** The module: SIMD + threaded kernels at the top level, their scalar single-threaded twins under `generic`. */
export interface NativeAddon extends RawKernels {
  readonly generic: RawKernels;
  /** "avx512", "avx2" or "generic": the instruction set the addon was compiled for. */
  readonly simd: string;
  setThreads(n: number): void;
  getThreads(): number;
}

let cached: NativeAddon | null | undefined;

/** Path of the built addon, relative to this file in dist/src/backend/native/ or src/backend/native/. */
function addonPath(): string {
  return fileURLToPath(new URL("../../../../build/Release/weft.node", import.meta.url));
}

/** The addon, or null when it was not built (or fails to load: logged at debug level). Loaded once. */
export function loadAddon(): NativeAddon | null {
  if (cached !== undefined) return cached;
  cached = null;
  const path = addonPath();
  if (!existsSync(path)) return null;
  try {
    cached = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    log.debug(`native addon at ${path} failed to load: ${(e as Error).message}`);
  }
  return cached;
}
