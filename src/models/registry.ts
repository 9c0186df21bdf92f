// Architecture registry: file architecture names -> weft modules, with remaps (mistral -> llama).
import type { Arch } from "./config.js";
import { UnsupportedError } from "../util/errors.js";

const REMAP: Record<string, Arch> = {
  llama: "llama",
  mistral: "llama",
  qwen2: "qwen2",
  qwen2moe: "qwen2moe",
  qwen2_moe: "qwen2moe",
  mixtral: "llama",
  gpt2: "gpt2",
};

/** The weft architecture that runs a file's `general.architecture` / HF model_type. */
export function resolveArch(name: string): Arch {
  const a = REMAP[name];
  if (!a) {
    throw new UnsupportedError("load", `architecture '${name}' is not supported (supported: ${Object.keys(REMAP).join(", ")})`);
  }
  return a;
}
