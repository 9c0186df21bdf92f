// load(path): a GGUF file -> { model, tokenizer, config }, weights left in their file encoding.
import { readGgufFile, validateGgufModel, type GgufFile } from "../formats/gguf/index.js";
import { codecFor } from "../dtype/quants/index.js";
import { tokenizerFromGguf, type Tokenizer } from "../tokenizers/index.js";
import type { LanguageModel, ModelConfig } from "../models/config.js";
import { buildModel } from "../models/build.js";
import { configFromGguf } from "./gguf-config.js";
import { GgufWeights } from "./gguf-weights.js";
import { UnsupportedError } from "../util/errors.js";
import { log } from "../util/log.js";

export interface Loaded {
  model: LanguageModel;
  config: ModelConfig;
  /** null for files without a vocabulary (use token ids). */
  tokenizer: Tokenizer | null;
  gguf: GgufFile;
}

function ropeFreqFactors(g: GgufFile): Float32Array | null {
  const t = g.tensorsByName.get("rope_freqs.weight");
  if (!t) return null;
  const out = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
  codecFor(t.type.name).dequantizeRow(g.tensorData("rope_freqs.weight"), out);
  return out;
}

/** Read and validate a GGUF model file and build its architecture. */
export function load(path: string): Loaded {
  const gguf = readGgufFile(path);
  validateGgufModel(gguf);
  const config = { ...configFromGguf(gguf), ropeFreqFactors: ropeFreqFactors(gguf) };
  const model = buildModel(config, new GgufWeights(gguf));
  let tokenizer: Tokenizer | null = null;
  if (gguf.metadata.has("tokenizer.ggml.model")) {
    try {
      tokenizer = tokenizerFromGguf(gguf.metadata);
    } catch (e) {
      if (!(e instanceof UnsupportedError)) throw e;
      log.warn(`${path}: ${e.message}; only token ids can be used`);
    }
  }
  return { model, config, tokenizer, gguf };
}
