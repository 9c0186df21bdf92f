// Runs one test body on every available backend (principle 8): ref always, native when built.
import { backendName, nativeAvailable, setBackend } from "../../src/backend/registry.js";
import type { BackendName } from "../../src/util/env.js";

export function availableBackends(): BackendName[] {
  return nativeAvailable() ? ["ref", "native"] : ["ref"];
}

/** Run fn with `name` active, restoring the previous backend afterwards. */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const prev = backendName();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}
