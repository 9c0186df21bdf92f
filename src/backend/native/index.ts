// Native backend adapter (placeholder until the addon adapter lands).
// CONTRACT for this file, relied on by src/backend/registry.ts: export
//   loadNativeKernels(): (PartialKernels & Threaded) | null
// returning null when build/Release/weft.node is absent or fails to load.
import type { PartialKernels, Threaded } from "../contract.js";

export function loadNativeKernels(): (PartialKernels & Threaded) | null {
  return null;
}
