// tokenizer.json building blocks: added-token entries, normalizers, pre-tokenizers, post-processors and decoders of
// the three vocabulary families weft converts (byte-level BPE, SentencePiece-style BPE, WordPiece).
import type { Json } from "../hf/json.js";

/** One added token as tokenizer.json lists it (and tokenizer_config.json's added_tokens_decoder, without the id). */
export interface AddedJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export const BYTE_LEVEL: Json = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
const BYTE_LEVEL_NO_REGEX: Json = { ...BYTE_LEVEL, use_regex: false };

/** HF's regex syntax (Oniguruma) of a pre-tokeniser regex weft compiled for JavaScript. */
export function onigSource(re: RegExp): string {
  return re.source
    .replaceAll("\\p{White_Space}", "\\s")
    .replaceAll("\\P{White_Space}", "\\S")
    .replace(/\\u\{([0-9A-Fa-f]+)\}/g, "\\x{$1}");
}

/** The byte-level pre-tokeniser for a list of split regexes (GPT-2's single regex: the plain ByteLevel). */
export function byteLevelPreTokenizer(regexes: readonly string[], gpt2: string): Json {
  if (regexes.length === 1 && regexes[0] === gpt2) return BYTE_LEVEL;
  const splits = regexes.map((r) => ({ type: "Split", pattern: { Regex: r }, behavior: "Isolated", invert: false }));
  return { type: "Sequence", pretokenizers: [...splits, BYTE_LEVEL_NO_REGEX] };
}

/** SentencePiece's space handling as a normalizer: optional "▁" prefix, spaces replaced by "▁". */
export function metaspaceNormalizer(addSpacePrefix: boolean): Json {
  const replace = { type: "Replace", pattern: { String: " " }, content: "\u2581" };
  return addSpacePrefix ? { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "\u2581" }, replace] } : replace;
}

export function metaspaceDecoder(addSpacePrefix: boolean): Json {
  const steps: Json[] = [{ type: "Replace", pattern: { String: "\u2581" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }];
  if (addSpacePrefix) steps.push({ type: "Strip", content: " ", start: 1, stop: 0 });
  return { type: "Sequence", decoders: steps };
}

export const BERT_NORMALIZER: Json = { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true };
export const WORDPIECE_DECODER: Json = { type: "WordPiece", prefix: "##", cleanup: true };

/** A TemplateProcessing post-processor putting `before` ahead of each sequence and `after` behind it. */
export function templatePost(before: { text: string; id: number } | null, after: { text: string; id: number } | null): Json | null {
  if (!before && !after) return null;
  const tok = (t: { text: string }, typeId: number) => ({ SpecialToken: { id: t.text, type_id: typeId } });
  const seq = (id: string, typeId: number) => [
    ...(before ? [tok(before, typeId)] : []), { Sequence: { id, type_id: typeId } }, ...(after ? [tok(after, typeId)] : []),
  ];
  const specials: Json = {};
  for (const t of [before, after]) if (t) specials[t.text] = { id: t.text, ids: [t.id], tokens: [t.text] };
  return { type: "TemplateProcessing", single: seq("A", 0), pair: [...seq("A", 0), ...seq("B", 1)], special_tokens: specials };
}

/** tokenizer_config.json added_tokens_decoder from the added-token list. */
export function addedTokensDecoder(added: readonly AddedJson[]): Json {
  const out: Json = {};
  for (const { id, ...rest } of added) {
    out[String(id)] = { content: rest.content, lstrip: rest.lstrip, normalized: rest.normalized, rstrip: rest.rstrip,
      single_word: rest.single_word, special: rest.special };
  }
  return out;
}
