// Shared fixtures for the server tests: a tiny random-weight llama GGUF with the default model's ChatML vocabulary,
// and a running server on a free loopback port.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { llamaConfig } from "../../src/models/config.js";
import { randomWeights } from "../../src/models/random.js";
import { exportGguf } from "../../src/compress/export-gguf.js";
import { defaultVocab } from "../../src/serve/default-vocab.js";
import { defaultConversations } from "../../src/serve/default-model.js";
import { startServer, type RunningServer, type ServeOptions } from "../../src/serve/server.js";

const cached = new Map<string, string>();

function writeModel(name: string, shape: { dim: number; nLayer: number; ffnDim: number }): string {
  const hit = cached.get(name);
  if (hit && existsSync(hit)) return hit;
  const dir = mkdtempSync(join(tmpdir(), "weft-serve-"));
  const vocab = defaultVocab(defaultConversations(300, 1).flat().map((t) => t.content));
  const V = (vocab.get("tokenizer.ggml.tokens") as string[]).length;
  const cfg = llamaConfig({ vocabSize: V, nHead: 4, contextLength: 512, ...shape });
  const path = join(dir, `${name}.gguf`);
  exportGguf(path, cfg, randomWeights(cfg, 3), { type: "F32", vocab, name });
  cached.set(name, path);
  return path;
}

/** A 2-layer random llama (C = 64) with a ChatML chat template (written once per process). */
export function tinyModel(): string {
  return writeModel("tiny", { dim: 64, nLayer: 2, ffnDim: 128 });
}

/** A larger random llama whose decode steps are compute-bound, as a real model's are (C = 384, 4 layers). */
export function mediumModel(): string {
  return writeModel("medium", { dim: 384, nLayer: 4, ffnDim: 1024 });
}

export function serve(o: Partial<ServeOptions> = {}): Promise<RunningServer> {
  return startServer({ model: tinyModel(), name: "tiny", port: 0, threads: 1, ...o });
}
