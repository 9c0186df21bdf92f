// The input of quantize/prune: an F32/F16/BF16 GGUF or a Hugging Face folder read as f32 arrays by GGUF name, with
// the metadata to carry over; a trainable model over those arrays that knows each projection's tensor name; and the
// GGUF writer that carries the metadata through (architecture keys refreshed for a pruned config).
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readGgufFile, writeGgufFile, type GgufTensorToWrite, type GgufTypeSpec, type GgufValue } from "../formats/gguf/index.js";
import { readCheckpointFolder } from "../formats/safetensors/index.js";
import { configFromGguf } from "../load/gguf-config.js";
import { ggufToArrays } from "../load/gguf-weights.js";
import { configFromHf } from "../load/hf-config.js";
import { HfWeights } from "../load/hf-weights.js";
import { codecFor } from "../dtype/quants/index.js";
import type { GgmlTypeName } from "../dtype/ggml.js";
import { tensorManifest, type TensorSpec } from "../models/manifest.js";
import type { LanguageModel, ModelConfig } from "../models/config.js";
import type { NamedArray } from "../models/random.js";
import { TrainableWeights } from "../models/trainable.js";
import { buildModel } from "../models/build.js";
import type { WeightSource } from "../models/weights.js";
import type { LinearLike } from "../nn/linear-like.js";
import type { Module } from "../nn/module.js";
import { tokenizerFromGguf, type Tokenizer } from "../tokenizers/index.js";
import { tokenizerFromHfFolder } from "../tokenizers/hf/index.js";
import { archMetadata, syntheticVocab } from "./export-gguf.js";
import { FormatError, UnsupportedError, ValueError } from "../util/errors.js";
import { log } from "../util/log.js";

export interface SourceModel {
  config: ModelConfig;
  /** Every manifest tensor as f32, row-major ([N, K] for matrices). */
  arrays: Map<string, NamedArray>;
  /** The encoding each tensor had in the input. */
  inputTypes: Map<string, GgmlTypeName>;
  /** Tensors outside the manifest (rope_freqs), written back as they are. */
  extras: GgufTensorToWrite[];
  metadata: Map<string, GgufValue>;
  metadataTypes: Map<string, GgufTypeSpec>;
  tokenizer: Tokenizer | null;
}

const PLAIN = new Set<GgmlTypeName>(["F32", "F16", "BF16"]);

/** Read a GGUF file or a HF folder. Block-quantised inputs are refused unless allowRequantize (quality compounds). */
export function readSource(path: string, allowRequantize = false): SourceModel {
  if (!existsSync(path)) throw new ValueError("compress", `no such file or folder: ${path}`);
  const src = statSync(path).isDirectory() ? readHfSource(path) : readGgufSource(path);
  const quantised = [...src.inputTypes].filter(([, t]) => !PLAIN.has(t));
  if (quantised.length > 0 && !allowRequantize) {
    throw new UnsupportedError("compress", `${path} is already quantised (${quantised[0]![0]} is ${quantised[0]![1]}); ` +
      "start from an F32/F16/BF16 model or pass --allow-requantize");
  }
  return src;
}

function readGgufSource(path: string): SourceModel {
  const g = readGgufFile(path);
  const config = configFromGguf(g);
  const specs = tensorManifest(config);
  const arrays = ggufToArrays(g, specs);
  const inputTypes = new Map(specs.map((s) => [s.name, g.tensorsByName.get(s.name)!.type.name]));
  const known = new Set(specs.map((s) => s.name));
  const extras = g.tensors.filter((t) => !known.has(t.name))
    .map((t) => ({ name: t.name, shape: [...t.shape], type: t.type.name, data: g.tensorData(t.name) }));
  let tokenizer: Tokenizer | null = null;
  if (g.metadata.has("tokenizer.ggml.model")) {
    try {
      tokenizer = tokenizerFromGguf(g.metadata);
    } catch (e) {
      if (!(e instanceof UnsupportedError)) throw e;
    }
  }
  return { config, arrays, inputTypes, extras, metadata: new Map(g.metadata), metadataTypes: new Map(g.metadataTypes), tokenizer };
}

function readHfSource(folder: string): SourceModel {
  const cfgPath = join(folder, "config.json");
  if (!existsSync(cfgPath)) throw new FormatError("compress", `${folder} has no config.json (not a Hugging Face model folder)`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError("compress", `${cfgPath}: ${(e as Error).message}`);
  }
  const config = configFromHf(json);
  const w = new HfWeights(readCheckpointFolder(folder), config.arch, config.nHead, config.nHeadKv);
  if (!config.tiedEmbeddings && !w.has("output")) config.tiedEmbeddings = true;
  const arrays = new Map<string, NamedArray>(), inputTypes = new Map<string, GgmlTypeName>();
  for (const s of tensorManifest(config)) {
    const m = w.read(s.name);
    const data = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
    codecFor(m.type).dequantizeRow(m.bytes, data);
    arrays.set(s.name, { shape: s.shape, data });
    inputTypes.set(s.name, m.type);
  }
  const hasTok = ["tokenizer.json", "vocab.json"].some((f) => existsSync(join(folder, f)));
  // llama.cpp cannot load a GGUF without a vocabulary, so the output gets a placeholder one (as weft convert does)
  log.warn(`${folder}: the output GGUF gets a placeholder byte-level vocabulary (use token ids with it)`);
  const metadata = archMetadata(config, folder.split("/").filter(Boolean).pop() ?? "model");
  for (const [k, v] of syntheticVocab(config.vocabSize)) metadata.set(k, v);
  return { config, arrays, inputTypes, extras: [], metadata, metadataTypes: new Map(), tokenizer: hasTok ? tokenizerFromHfFolder(folder) : null };
}

/** A model over f32 copies of `arrays` (trainable Linear layers), with the GGUF weight name of every projection. */
export function namedModel(config: ModelConfig, arrays: Map<string, NamedArray>): { model: LanguageModel & Module; names: Map<LinearLike, string> } {
  const base = new TrainableWeights(arrays), names = new Map<LinearLike, string>();
  const w: WeightSource = {
    linear: (name, N, K, bias) => {
      const l = base.linear(name, N, K, bias);
      names.set(l, `${name}.weight`);
      return l;
    },
    vector: (name, n) => base.vector(name, n),
    embedding: (name, V, C) => base.embedding(name, V, C),
    has: (name) => base.has(name),
  };
  const model = buildModel(config, w) as LanguageModel & Module;
  model.freeze();
  return { model, names };
}

const FLOAT_KEY = /(epsilon|freq_base|scaling\.factor|attn_factor|beta_fast|beta_slow)$/;

/** Write tensors (manifest order, then extras) with the source's metadata, architecture keys taken from `config`,
 *  and general.file_type set. */
export function writeModelGguf(path: string, src: SourceModel, config: ModelConfig, tensors: GgufTensorToWrite[], fileType: number): void {
  const metadata = new Map(src.metadata), types = new Map(src.metadataTypes);
  for (const [k, v] of archMetadata(config, String(src.metadata.get("general.name") ?? "model"))) {
    metadata.set(k, v);
    if (!types.has(k) && FLOAT_KEY.test(k)) types.set(k, { type: "f32" });
  }
  metadata.set("general.file_type", fileType);
  types.set("general.file_type", { type: "u32" });
  if (fileType !== 0 && fileType !== 1 && fileType !== 32) {
    metadata.set("general.quantization_version", 2);
    types.set("general.quantization_version", { type: "u32" });
  }
  for (const k of [...metadata.keys()]) if (FLOAT_KEY.test(k) && !types.has(k)) types.set(k, { type: "f32" });
  writeGgufFile(path, { metadata, metadataTypes: types, tensors: [...tensors, ...src.extras] });
}

/** The manifest of a config (re-exported for callers that only hold a SourceModel). */
export function specsOf(config: ModelConfig): TensorSpec[] {
  return tensorManifest(config);
}
