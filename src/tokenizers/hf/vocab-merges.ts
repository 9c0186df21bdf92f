// GPT-2 style tokenizer files (vocab.json + merges.txt, no tokenizer.json) as an equivalent tokenizer.json object.
import { FormatError } from "../../util/errors.js";
import type { AddedTokenSpec } from "./config.js";
import { asObject, asTokenId, type Json, OP } from "./json.js";

const BYTE_LEVEL = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };

/**
 * The tokenizer.json that HF's GPT2TokenizerFast builds from vocab.json + merges.txt: byte-level BPE with the GPT-2
 * split regex. Added tokens come from the caller (tokenizer_config added_tokens_decoder); without any, a
 * "<|endoftext|>" entry of the vocabulary is taken as the special end-of-text token, as GPT-2 does.
 */
export function tokenizerJsonFromVocabMerges(vocabJson: unknown, mergesTxt: string, added: AddedTokenSpec[] = []): Json {
  const vocab = asObject(vocabJson, "vocab.json");
  for (const [tok, id] of Object.entries(vocab)) asTokenId(id, `vocab.json[${JSON.stringify(tok)}]`);
  const merges: string[] = [];
  for (const [i, raw] of mergesTxt.split("\n").entries()) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || (i === 0 && line.startsWith("#version"))) continue;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new FormatError(OP, `merges.txt line ${i + 1} must hold two tokens separated by one space but is ${JSON.stringify(line.slice(0, 60))}`);
    }
    merges.push(line);
  }
  let addedTokens: Json[] = added.map((t) => ({
    id: t.id, content: t.content, special: t.special, lstrip: t.lstrip, rstrip: t.rstrip, single_word: t.singleWord, normalized: t.normalized,
  }));
  const eot = vocab["<|endoftext|>"];
  if (addedTokens.length === 0 && typeof eot === "number") {
    addedTokens = [{ id: eot, content: "<|endoftext|>", special: true, lstrip: false, rstrip: false, single_word: false, normalized: false }];
  }
  return {
    version: "1.0",
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: BYTE_LEVEL,
    post_processor: BYTE_LEVEL,
    decoder: BYTE_LEVEL,
    model: { type: "BPE", vocab, merges, unk_token: null, dropout: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false },
  };
}
