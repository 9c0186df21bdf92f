// Hugging Face tokenizers: tokenizer.json (+ tokenizer_config.json, special_tokens_map.json, generation_config.json)
// or GPT-2 style vocab.json + merges.txt, as weft Tokenizers.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { ArgumentError, UnsupportedError } from "../../util/errors.js";
import { readSpecials } from "./config.js";
import { isObject, OP, readJsonFile, readOptionalJson, readTextFile } from "./json.js";
import { HfTokenizer, refuseUnsupported } from "./tokenizer.js";
import { tokenizerJsonFromVocabMerges } from "./vocab-merges.js";

export { HfTokenizer } from "./tokenizer.js";
export type { Fragment, FragmentEncodeOptions } from "./tokenizer.js";

/** Side files next to tokenizer.json. */
export interface HfSideFiles {
  /** special_tokens_map.json (tokenizer_config.json wins where both name a token). */
  specialTokensMap?: unknown;
  /** generation_config.json: its eos_token_id (one or a list) become end-of-generation ids. */
  generationConfig?: unknown;
}

/**
 * A tokenizer from parsed tokenizer.json and (optional) tokenizer_config.json contents. BOS/EOS: add_bos_token /
 * add_eos_token of the config when given, otherwise what the post_processor puts around a single sequence.
 */
export function tokenizerFromHfJson(tokenizerJson: unknown, config?: unknown, side: HfSideFiles = {}): HfTokenizer {
  if (isObject(config)) refuseUnsupported(config);
  return new HfTokenizer(tokenizerJson, readSpecials(config, side.specialTokensMap, side.generationConfig));
}

/** A byte-level BPE tokenizer from GPT-2 style vocab.json contents and merges.txt text (GPT-2's split regex). */
export function tokenizerFromVocabMerges(vocabJson: unknown, mergesTxt: string, config?: unknown, side: HfSideFiles = {}): HfTokenizer {
  if (isObject(config)) refuseUnsupported(config);
  const specials = readSpecials(config, side.specialTokensMap, side.generationConfig);
  if (isObject(vocabJson) && typeof vocabJson["<|endoftext|>"] === "number") {
    // GPT2Tokenizer's defaults: "<|endoftext|>" is bos, eos and unk unless the config says otherwise
    specials.bos ??= "<|endoftext|>";
    specials.eos ??= "<|endoftext|>";
    specials.unk ??= "<|endoftext|>";
  }
  return new HfTokenizer(tokenizerJsonFromVocabMerges(vocabJson, mergesTxt, specials.added), specials);
}

/**
 * The tokenizer of a Hugging Face model folder: tokenizer.json, or vocab.json + merges.txt, with tokenizer_config.json,
 * special_tokens_map.json and generation_config.json when present.
 */
export function tokenizerFromHfFolder(folder: string): HfTokenizer {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new ArgumentError(OP, `${folder} is not a folder`);
  const config = readOptionalJson(join(folder, "tokenizer_config.json"));
  const side: HfSideFiles = {
    specialTokensMap: readOptionalJson(join(folder, "special_tokens_map.json")),
    generationConfig: readOptionalJson(join(folder, "generation_config.json")),
  };
  const tj = join(folder, "tokenizer.json");
  if (existsSync(tj)) return tokenizerFromHfJson(readJsonFile(tj), config, side);
  const vocab = join(folder, "vocab.json");
  const merges = join(folder, "merges.txt");
  if (existsSync(vocab) && existsSync(merges)) return tokenizerFromVocabMerges(readJsonFile(vocab), readTextFile(merges), config, side);
  const spm = ["tokenizer.model", "spiece.model", "sentencepiece.bpe.model"].find((f) => existsSync(join(folder, f)));
  if (spm) throw new UnsupportedError(OP, `${folder} has only a SentencePiece ${spm} (no tokenizer.json); convert it or use its GGUF`);
  throw new ArgumentError(OP, `${folder} has neither tokenizer.json nor vocab.json + merges.txt`);
}
