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

let cached: string | null = null;

/** A 2-layer random llama with a ChatML chat template (written once per process). */
export function tinyModel(): string {
  if (cached && existsSync(cached)) return cached;
  const dir = mkdtempSync(join(tmpdir(), "weft-serve-"));
  const vocab = defaultVocab(defaultConversations(300, 1).flat().map((t) => t.content));
  const V = (vocab.get("tokenizer.ggml.tokens") as string[]).length;
  const cfg = llamaConfig({ vocabSize: V, dim: 64, nLayer: 2, nHead: 4, ffnDim: 128, contextLength: 512 });
  const path = join(dir, "tiny.gguf");
  exportGguf(path, cfg, randomWeights(cfg, 3), { type: "F32", vocab, name: "tiny" });
  cached = path;
  return path;
}

export function serve(o: Partial<ServeOptions> = {}): Promise<RunningServer> {
  return startServer({ model: tinyModel(), name: "tiny", port: 0, threads: 1, ...o });
}
