// Picks the kernels ops run on: native where the addon provides a kernel, ref for the rest.
// WEFT_BACKEND=ref forces the reference kernels; WEFT_THREADS sets the native pool size.
import type { Kernels, PartialKernels, Threaded } from "./contract.js";
import { refKernels } from "./ref/index.js";
import { loadNativeKernels } from "./native/index.js";
import { backendFromEnv, threadsFromEnv, type BackendName } from "../util/env.js";
import { warnOnce } from "../util/log.js";

type NativeKernels = PartialKernels & Threaded;

let native: NativeKernels | null | undefined;
let active: Kernels | null = null;
let activeName: BackendName = "ref";

function nativeKernels(): NativeKernels | null {
  if (native === undefined) {
    native = loadNativeKernels();
    if (native) native.setThreads(threadsFromEnv());
  }
  return native;
}

/** Ref kernels overlaid with every kernel the partial backend provides. */
function overlay(partial: PartialKernels): Kernels {
  const merged: Record<string, unknown> = { ...refKernels };
  for (const [k, v] of Object.entries(partial)) {
    if (typeof v === "function" && k in refKernels) merged[k] = v.bind(partial);
  }
  merged.name = partial.name;
  return merged as unknown as Kernels;
}

/** Select a backend explicitly ("native" falls back to ref with one warning when the addon is absent). */
export function setBackend(name: BackendName): void {
  if (name === "native") {
    const n = nativeKernels();
    if (n) {
      active = overlay(n);
      activeName = "native";
      return;
    }
    warnOnce("native-missing", "native addon not available; using the TypeScript reference backend");
  }
  active = refKernels;
  activeName = "ref";
}

/** The kernels every op calls. */
export function kernels(): Kernels {
  if (!active) setBackend(backendFromEnv());
  return active!;
}

/** "native" or "ref": what kernels() currently resolves to. */
export function backendName(): BackendName {
  kernels();
  return activeName;
}

/** True when the native addon loaded. */
export function nativeAvailable(): boolean {
  return nativeKernels() !== null;
}

/** Resize the native thread pool (no-op on ref). */
export function setThreads(n: number): void {
  nativeKernels()?.setThreads(n);
}

/** The raw reference kernels (for parity tests and fallbacks). */
export { refKernels };
