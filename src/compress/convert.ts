// Lossless conversion between GGUF files and Hugging Face folders: names through the tensor table, llama q/k rows
// re-ordered, gpt2 Conv1D transposed; F32/F16/BF16 tensors keep their bytes, block types are decoded or encoded.
import { mkdirSync, readFileSync } from "node:fs";
import { writeJsonAtomic } from "../util/atomic.js";
import { join } from "node:path";
import { readGgufFile, writeGgufFile, type GgufTensorToWrite, type GgufTypeSpec, type GgufValue } from "../formats/gguf/index.js";
import { readCheckpointFolder, writeShardedCheckpoint, type StDtype, type StTensorToWrite } from "../formats/safetensors/index.js";
import { configFromGguf } from "../load/gguf-config.js";
import { configFromHf, hfConfigJson } from "../load/hf-config.js";
import { HfWeights, permuteRowBytes, transposeBytes } from "../load/hf-weights.js";
import { tensorManifest } from "../models/manifest.js";
import { hfTensor, ropeRowPermutation } from "../models/hf-names.js";
import type { ModelConfig } from "../models/config.js";
import type { GgmlTypeName } from "../dtype/ggml.js";
import { codecFor, quantize } from "../dtype/quants/index.js";
import { archMetadata, syntheticVocab, typeForRow } from "./export-gguf.js";
import { log } from "../util/log.js";
import { ggufVocabFromFolder, writeHfTokenizerFiles } from "../tokenizers/convert/folder.js";
import { FormatError } from "../util/errors.js";

const PLAIN: Record<string, StDtype> = { F32: "F32", F16: "F16", BF16: "BF16" };

export interface ConvertReport {
  tensors: number;
  /** Tensors whose requested type did not fit their rows and fell back (name -> type used). */
  fallbacks: Map<string, GgmlTypeName>;
  /** The vocabulary written ("gpt2 (pre gpt-2), 50257 tokens", "given" or "placeholder"). */
  vocab?: string;
}

/** HF folder -> GGUF; `type` applies to matrices (norms and biases stay F32); `vocab` adds tokenizer metadata. */
export function hfToGguf(folder: string, out: string, type: GgmlTypeName, vocab?: Map<string, GgufValue>): ConvertReport {
  const config = configFromHf(JSON.parse(readFileSync(join(folder, "config.json"), "utf8")));
  const weights = new HfWeights(readCheckpointFolder(folder), config.arch, config.nHead, config.nHeadKv);
  if (!config.tiedEmbeddings && !weights.has("output")) config.tiedEmbeddings = true;
  const fallbacks = new Map<string, GgmlTypeName>();
  const tensors: GgufTensorToWrite[] = tensorManifest(config).map((spec) => {
    const m = weights.read(spec.name);
    const K = spec.shape[spec.shape.length - 1]!;
    const want: GgmlTypeName = spec.shape.length === 1 ? "F32" : typeForRow(type, K);
    if (want !== type && spec.shape.length > 1) fallbacks.set(spec.name, want);
    const data = want === m.type ? m.bytes : quantize(want, decode(m.bytes, m.type), K);
    return { name: spec.name, shape: [...spec.shape].reverse(), type: want, data };
  });
  const metadata = archMetadata(config, folder.split("/").filter(Boolean).pop() ?? "model");
  const found = vocab ? { metadata: vocab, note: "given" } : ggufVocabFromFolder(folder, config.vocabSize);
  // llama.cpp cannot load a model without a vocabulary (it aborts), so a folder without a convertible tokenizer gets
  // a placeholder byte-level vocabulary: ids stay meaningful, text does not
  if (!found.metadata) log.warn(`${folder}: ${found.note}; writing a placeholder byte-level vocabulary (use token ids)`);
  for (const [k, v] of found.metadata ?? syntheticVocab(config.vocabSize)) metadata.set(k, v);
  const floatKeys = [...metadata.keys()].filter((k) => /(epsilon|freq_base|scaling\.factor)$/.test(k));
  const types = new Map<string, GgufTypeSpec>(floatKeys.map((k) => [k, { type: "f32" }]));
  for (const [k, v] of metadata) if (Array.isArray(v) && v.length === 0) types.set(k, { type: "array", itemType: "string" });
  writeGgufFile(out, { metadata, metadataTypes: types, tensors });
  return { tensors: tensors.length, fallbacks, vocab: found.metadata ? found.note : "placeholder" };
}

function decode(bytes: Uint8Array, type: GgmlTypeName): Float32Array {
  const n = type === "F32" ? bytes.byteLength / 4 : bytes.byteLength / 2;
  const out = new Float32Array(n);
  codecFor(type).dequantizeRow(bytes, out);
  return out;
}

/**
 * GGUF -> HF folder (model.safetensors or shards + index, config.json, and the vocabulary as tokenizer.json,
 * tokenizer_config.json and generation_config.json); block types are decoded to F32.
 */
export function ggufToHf(file: string, folder: string, maxShardBytes = 4 * 1024 ** 3): { config: ModelConfig; tensors: number; vocab: string | null } {
  const g = readGgufFile(file);
  const config = configFromGguf(g);
  const tensors: StTensorToWrite[] = tensorManifest(config).map((spec) => {
    const info = g.tensorsByName.get(spec.name);
    if (!info) throw new FormatError("convert", `${file} has no tensor '${spec.name}'`);
    const t = hfTensor(config.arch, spec.name);
    let type = info.type.name, bytes = g.tensorData(spec.name);
    if (!PLAIN[type]) {
      const n = spec.shape.reduce((a, b) => a * b, 1), f = new Float32Array(n), rows = spec.shape.length === 2 ? spec.shape[0]! : 1;
      const rb = bytes.byteLength / rows;
      for (let r = 0; r < rows; r++) codecFor(type).dequantizeRow(bytes.subarray(r * rb, (r + 1) * rb), f.subarray(r * (n / rows), (r + 1) * (n / rows)));
      bytes = new Uint8Array(f.buffer);
      type = "F32";
    }
    const size = type === "F32" ? 4 : 2;
    let shape = [...spec.shape];
    if (t.transform === "transpose") {
      bytes = transposeBytes(bytes, shape[0]!, shape[1]!, size);
      shape = [shape[1]!, shape[0]!];
    } else if (t.transform !== "none") {
      const heads = t.transform === "permuteQ" ? config.nHead : config.nHeadKv;
      bytes = permuteRowBytes(bytes, ropeRowPermutation(shape[0]!, heads, false), shape[1]! * size);
    }
    return { name: t.name, dtype: PLAIN[type]!, shape, data: bytes };
  });
  mkdirSync(folder, { recursive: true });
  writeShardedCheckpoint(folder, tensors, { maxShardBytes, metadata: { format: "pt" } });
  writeJsonAtomic(join(folder, "config.json"), hfConfigJson(config));
  const vocab = writeHfTokenizerFiles(folder, g.metadata as Map<string, unknown>);
  return { config, tensors: tensors.length, vocab };
}


