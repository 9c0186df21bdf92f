// The native backend: the N-API addon adapted to the kernel contract, plus a thread-pool handle.
// Returns null when the addon was not built (npm install warns once; the registry then uses ref).
import type { Kernels, PartialKernels, Threaded } from "../contract.js";
import { refKernels } from "../ref/index.js";
import { threadsFromEnv } from "../../util/env.js";
import { ArgumentError } from "../../util/errors.js";
import { adapt, supportsLinear } from "./adapter.js";
import { loadAddon, type NativeAddon } from "./addon.js";

export { supportsLinear, loadAddon };
export type { NativeAddon };

export type NativeKernels = PartialKernels & Threaded & {
  /** Current pool size (threads including the caller). */
  getThreads(): number;
  /** Instruction set the addon was compiled for ("avx512", "avx2", "generic"). */
  readonly simd: string;
};

let threadsSet = false;

function withThreads(addon: NativeAddon, kernels: PartialKernels): NativeKernels {
  return Object.assign(kernels, {
    setThreads(n: number): void {
      if (!Number.isInteger(n) || n < 1 || n > 1024) {
        throw new ArgumentError("setThreads", `threads must be an integer in [1, 1024] but is ${n}`);
      }
      addon.setThreads(n);
    },
    getThreads: () => addon.getThreads(),
    simd: addon.simd,
  });
}

/** SIMD + threaded kernels, or null when the addon is absent. Linear weight types other than F32, F16 and BF16
 *  go to `fallback` (default: the reference kernels). The pool starts at WEFT_THREADS (default: all cores). */
export function loadNativeKernels(fallback: Pick<Kernels, "linear"> = refKernels): NativeKernels | null {
  const addon = loadAddon();
  if (!addon) return null;
  if (!threadsSet) {
    addon.setThreads(threadsFromEnv());
    threadsSet = true;
  }
  return withThreads(addon, adapt(addon, "native", fallback));
}

/** The addon's scalar single-threaded twins behind the same contract (parity tests compare them too). */
export function loadNativeGenericKernels(fallback: Pick<Kernels, "linear"> = refKernels): PartialKernels | null {
  const addon = loadAddon();
  return addon ? adapt(addon.generic, "native-generic", fallback) : null;
}
