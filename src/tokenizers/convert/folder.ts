// Vocabulary conversion at the folder level: a Hugging Face folder's tokenizer as GGUF metadata for `weft convert`,
// and a GGUF file's vocabulary written into a folder as tokenizer.json, tokenizer_config.json, generation_config.json.
import { writeJsonAtomic } from "../../util/atomic.js";
import { join } from "node:path";
import type { GgufValue } from "../../formats/gguf/index.js";
import { UnsupportedError } from "../../util/errors.js";
import { log } from "../../util/log.js";
import { hfTokenizerFromGguf } from "./gguf-to-hf.js";
import { hfSourceFromFolder } from "./hf-source.js";
import { ggufVocabFromHf } from "./hf-to-gguf.js";
import { compareTokenizers } from "./probe.js";
import { tokenizerFromGguf } from "../index.js";
import { tokenizerFromHfJson } from "../hf/index.js";

export interface FolderVocab {
  /** tokenizer.ggml.* (and tokenizer.chat_template) metadata, or null when the folder has no convertible tokenizer. */
  metadata: Map<string, GgufValue> | null;
  /** What was converted ("gpt2 (pre qwen2), 151665 tokens") or why nothing was. */
  note: string;
}

/** The GGUF vocabulary of a Hugging Face folder, padded to the model's vocab_size; warnings go to the log. */
export function ggufVocabFromFolder(folder: string, vocabSize?: number): FolderVocab {
  let src;
  try {
    src = hfSourceFromFolder(folder);
  } catch (e) {
    if (e instanceof UnsupportedError) return { metadata: null, note: e.message };
    throw e;
  }
  if (src === null) return { metadata: null, note: `${folder} has no tokenizer.json or vocab.json + merges.txt` };
  try {
    const v = ggufVocabFromHf(src, vocabSize);
    for (const w of v.warnings) log.warn(`${folder}: vocabulary: ${w}`);
    const n = (v.metadata.get("tokenizer.ggml.tokens") as string[]).length;
    return { metadata: v.metadata, note: `${v.model}${v.model === "gpt2" ? ` (pre ${v.pre})` : ""}, ${n} tokens` };
  } catch (e) {
    if (e instanceof UnsupportedError) return { metadata: null, note: e.message };
    throw e;
  }
}

/**
 * Write a GGUF vocabulary as the tokenizer files of a folder. Returns what was written ("llama, 32000 tokens"), or null
 * (with a warning) when the metadata has no vocabulary or one weft cannot read.
 */
export function writeHfTokenizerFiles(folder: string, metadata: Map<string, unknown>): string | null {
  if (!metadata.has("tokenizer.ggml.model")) return null;
  let files;
  try {
    files = hfTokenizerFromGguf(metadata);
  } catch (e) {
    if (!(e instanceof UnsupportedError)) throw e;
    log.warn(`no tokenizer files written: ${e.message}`);
    return null;
  }
  const diff = compareTokenizers(tokenizerFromGguf(metadata), tokenizerFromHfJson(files.tokenizer, files.config));
  for (const d of diff) log.warn(`${folder}: converted tokenizer.json gives other ids than the GGUF vocabulary on ${d}`);
  writeJsonAtomic(join(folder, "tokenizer.json"), files.tokenizer, false);
  writeJsonAtomic(join(folder, "tokenizer_config.json"), files.config, true);
  if (Object.keys(files.generation).length > 0) writeJsonAtomic(join(folder, "generation_config.json"), files.generation, true);
  return `${files.model}, ${(metadata.get("tokenizer.ggml.tokens") as unknown[]).length} tokens`;
}

