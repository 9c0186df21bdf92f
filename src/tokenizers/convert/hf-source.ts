// The tokenizer of a Hugging Face folder or of parsed files as one value: tokenizer.json contents (vocab.json +
// merges.txt become their tokenizer.json equivalent), the merged special-token settings and tokenizer_config.json.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chatTemplateFromHfFolder, selectTemplate } from "../../chat/template.js";
import { UnsupportedError } from "../../util/errors.js";
import { type HfSpecials, readSpecials } from "../hf/config.js";
import { asObject, isObject, type Json, readJsonFile, readOptionalJson, readTextFile } from "../hf/json.js";
import { HfTokenizer, refuseUnsupported } from "../hf/tokenizer.js";
import { tokenizerJsonFromVocabMerges } from "../hf/vocab-merges.js";

export interface HfTokenizerSource {
  /** tokenizer.json contents. */
  json: Json;
  /** tokenizer_config.json contents ({} when absent). */
  config: Json;
  specials: HfSpecials;
  /** The tokenizer weft builds from these files (the behaviour a conversion must keep). */
  tokenizer: HfTokenizer;
  /** The default chat template, if any. */
  chatTemplate: string | null;
}

/** Parsed tokenizer.json (+ tokenizer_config.json, special_tokens_map.json, generation_config.json) as a source. */
export function hfSourceFromJson(tokenizerJson: unknown, config?: unknown, specialTokensMap?: unknown, generationConfig?: unknown): HfTokenizerSource {
  const json = asObject(tokenizerJson, "tokenizer.json");
  const cfg = isObject(config) ? config : {};
  refuseUnsupported(cfg);
  const specials = readSpecials(config, specialTokensMap, generationConfig);
  const chatTemplate = selectTemplate(cfg.chat_template, "default", "tokenizer_config.json chat_template");
  return { json, config: cfg, specials, tokenizer: new HfTokenizer(json, specials), chatTemplate };
}

/** The tokenizer files of a folder, or null when it has neither tokenizer.json nor vocab.json + merges.txt. */
export function hfSourceFromFolder(folder: string): HfTokenizerSource | null {
  const config = readOptionalJson(join(folder, "tokenizer_config.json"));
  const map = readOptionalJson(join(folder, "special_tokens_map.json"));
  const gen = readOptionalJson(join(folder, "generation_config.json"));
  const cfg = isObject(config) ? config : {};
  let src: HfTokenizerSource;
  if (existsSync(join(folder, "tokenizer.json"))) {
    src = hfSourceFromJson(readJsonFile(join(folder, "tokenizer.json")), config, map, gen);
  } else if (existsSync(join(folder, "vocab.json")) && existsSync(join(folder, "merges.txt"))) {
    refuseUnsupported(cfg);
    const specials = readSpecials(config, map, gen);
    const vocab = readJsonFile(join(folder, "vocab.json"));
    if (isObject(vocab) && typeof vocab["<|endoftext|>"] === "number") {
      specials.bos ??= "<|endoftext|>"; // GPT2Tokenizer's defaults
      specials.eos ??= "<|endoftext|>";
      specials.unk ??= "<|endoftext|>";
    }
    const json = tokenizerJsonFromVocabMerges(vocab, readTextFile(join(folder, "merges.txt")), specials.added);
    src = { json, config: cfg, specials, tokenizer: new HfTokenizer(json, specials), chatTemplate: null };
  } else {
    const spm = ["tokenizer.model", "spiece.model"].find((f) => existsSync(join(folder, f)));
    if (spm) throw new UnsupportedError("convert", `${folder} has only a SentencePiece ${spm} (no tokenizer.json): its vocabulary cannot be converted`);
    return null;
  }
  src.chatTemplate = chatTemplateFromHfFolder(folder);
  return src;
}
