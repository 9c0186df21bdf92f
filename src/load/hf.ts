// A Hugging Face model folder -> { model, tokenizer, config }: config.json, safetensors (single or sharded),
// tokenizer files when present (id-level use with a warning otherwise), generation_config.json defaults.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readCheckpointFolder, type ShardedCheckpoint } from "../formats/safetensors/index.js";
import { tokenizerFromHfFolder } from "../tokenizers/hf/index.js";
import type { Tokenizer } from "../tokenizers/index.js";
import type { LanguageModel, ModelConfig } from "../models/config.js";
import { buildModel } from "../models/build.js";
import { configFromHf } from "./hf-config.js";
import { HfWeights } from "./hf-weights.js";
import { FormatError } from "../util/errors.js";
import { log } from "../util/log.js";

export interface GenerationDefaults {
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  maxNewTokens?: number;
  eosTokenIds?: number[];
}

export interface LoadedHf {
  model: LanguageModel;
  config: ModelConfig;
  tokenizer: Tokenizer | null;
  checkpoint: ShardedCheckpoint;
  weights: HfWeights;
  generation: GenerationDefaults;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError("load", `${path}: ${(e as Error).message}`);
  }
}

function generationDefaults(folder: string): GenerationDefaults {
  const p = join(folder, "generation_config.json");
  if (!existsSync(p)) return {};
  const g = readJson(p);
  const num = (k: string) => (typeof g[k] === "number" ? (g[k] as number) : undefined);
  const eos = g.eos_token_id;
  return {
    temperature: g.do_sample === false ? 0 : num("temperature"), topK: num("top_k"), topP: num("top_p"),
    repetitionPenalty: num("repetition_penalty"), maxNewTokens: num("max_new_tokens"),
    eosTokenIds: typeof eos === "number" ? [eos] : Array.isArray(eos) ? (eos as number[]) : undefined,
  };
}

const TOKENIZER_FILES = ["tokenizer.json", "vocab.json"];

export function loadHfFolder(folder: string): LoadedHf {
  const cfgPath = join(folder, "config.json");
  if (!existsSync(cfgPath)) throw new FormatError("load", `${folder} has no config.json (not a Hugging Face model folder)`);
  const config = configFromHf(readJson(cfgPath));
  const checkpoint = readCheckpointFolder(folder);
  const weights = new HfWeights(checkpoint, config.arch, config.nHead, config.nHeadKv);
  // HF llama checkpoints may omit lm_head when tied, or tie without saying so
  if (!config.tiedEmbeddings && !weights.has("output")) config.tiedEmbeddings = true;
  const model = buildModel(config, weights);
  let tokenizer: Tokenizer | null = null;
  if (TOKENIZER_FILES.some((f) => existsSync(join(folder, f)))) tokenizer = tokenizerFromHfFolder(folder);
  else log.warn(`${folder} has no tokenizer files; use token ids (--prompt-tokens)`);
  return { model, config, tokenizer, checkpoint, weights, generation: generationDefaults(folder) };
}
