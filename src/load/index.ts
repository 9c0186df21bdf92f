// load(path): a GGUF file -> { model, tokenizer, config }, weights left in their file encoding.
import { readGgufFile, validateGgufModel, type GgufFile } from "../formats/gguf/index.js";
import { codecFor } from "../dtype/quants/index.js";
import { tokenizerFromGguf, type Tokenizer } from "../tokenizers/index.js";
import type { LanguageModel, ModelConfig } from "../models/config.js";
import { buildModel } from "../models/build.js";
import { configFromGguf } from "./gguf-config.js";
import { GgufWeights } from "./gguf-weights.js";
import { UnsupportedError, ValueError } from "../util/errors.js";
import { log } from "../util/log.js";
import { existsSync, statSync } from "node:fs";
import { resolveModelPath } from "./hf-cache.js";
import { loadHfFolder, type GenerationDefaults } from "./hf.js";

export interface Loaded {
  model: LanguageModel;
  config: ModelConfig;
  /** null for files without a vocabulary (use token ids). */
  tokenizer: Tokenizer | null;
  /** The parsed file, for GGUF sources (null for Hugging Face folders). */
  gguf: GgufFile | null;
  /** Generation defaults from generation_config.json (HF folders). */
  generation?: GenerationDefaults;
}

function ropeFreqFactors(g: GgufFile): Float32Array | null {
  const t = g.tensorsByName.get("rope_freqs.weight");
  if (!t) return null;
  const out = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
  codecFor(t.type.name).dequantizeRow(g.tensorData("rope_freqs.weight"), out);
  return out;
}

/** A GGUF file, a Hugging Face model folder, or hf:ORG/REPO[:FILE] (resolved offline from the HF cache). */
export function load(spec: string): Loaded {
  const path = resolveModelPath(spec);
  if (!existsSync(path)) throw new ValueError("load", `no such file or folder: ${path}`);
  if (statSync(path).isDirectory()) {
    const h = loadHfFolder(path);
    return { model: h.model, config: h.config, tokenizer: h.tokenizer, gguf: null, generation: h.generation };
  }
  return loadGguf(path);
}

/** Read and validate a GGUF model file and build its architecture. */
export function loadGguf(path: string): Loaded {
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

/** The GGUF file behind a loaded model, or a clear error for sources that are not GGUF. */
export function requireGguf(l: Loaded, op: string): GgufFile {
  if (!l.gguf) throw new UnsupportedError(op, "this needs a GGUF model; convert the Hugging Face folder first (weft convert FOLDER OUT.gguf)");
  return l.gguf;
}
