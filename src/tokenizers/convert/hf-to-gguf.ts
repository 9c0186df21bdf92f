// Hugging Face tokenizer -> GGUF tokenizer.ggml.* metadata: byte-level BPE as "gpt2" (pre type detected from the
// pre-tokeniser), SentencePiece-style BPE as "llama" (scores = -merge rank), WordPiece as "bert" (phantom spaces).
import type { GgufValue } from "../../formats/gguf/index.js";
import { FormatError, UnsupportedError } from "../../util/errors.js";
import { tokenizerFromGguf } from "../index.js";
import { buildLibParts, checkModel } from "../hf/lib.js";
import { asArray, isObject, type Json } from "../hf/json.js";
import { byteEncode } from "../unicode.js";
import type { HfTokenizerSource } from "./hf-source.js";
import { detectPre } from "./pre-detect.js";
import { compareTokenizers } from "./probe.js";
import { parseMerge, scoresFromMerges } from "./spm-merges.js";

type Family = "gpt2" | "llama" | "bert";

/** llama.cpp token types. */
const TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;
const K = "tokenizer.ggml.";
const BYTE_TOKEN = /^<0x[0-9A-Fa-f]{2}>$/;

export interface GgufVocab {
  metadata: Map<string, GgufValue>;
  /** tokenizer.ggml.model */
  model: Family;
  /** tokenizer.ggml.pre */
  pre: string;
  /** Notes on what could not be carried over exactly (empty when the conversion is faithful on the probe texts). */
  warnings: string[];
}

/**
 * tokenizer.ggml.* metadata reproducing a Hugging Face tokenizer in llama.cpp. `vocabSize` (the model's embedding
 * rows) pads the vocabulary with unused [PADn] tokens. The result is checked: tokenised by weft's GGUF tokenizer,
 * the probe texts must give the HF ids, otherwise `warnings` says where they differ.
 */
export function ggufVocabFromHf(src: HfTokenizerSource, vocabSize?: number): GgufVocab {
  const tok = src.tokenizer;
  const model = checkModel(src.json.model);
  const family = familyOf(src.json, model);
  if (vocabSize !== undefined && tok.vocabSize > vocabSize) {
    throw new FormatError("convert", `the tokenizer has ${tok.vocabSize} tokens but the model's vocab_size is ${vocabSize}`);
  }
  const n = Math.max(vocabSize ?? 0, tok.vocabSize);
  const { tokens, types } = tokenTable(src, family, n);
  const md = new Map<string, GgufValue>([[K + "model", family]]);
  const warnings: string[] = [];
  let pre = "default";
  if (family === "gpt2") {
    pre = choosePre(src, warnings);
    md.set(K + "pre", pre);
  } else md.set(K + "pre", "default");
  md.set(K + "tokens", tokens);
  const merges = family === "bert" ? [] : asArray(model.merges ?? [], "model.merges").map(parseMerge);
  if (family === "llama") md.set(K + "scores", scoresFromMerges(tokens, merges, lastIds(tokens)));
  md.set(K + "token_type", types);
  if (family === "gpt2") md.set(K + "merges", merges.map(([l, r]) => `${l} ${r}`));
  setSpecialIds(md, src, family);
  if (family === "llama") md.set(K + "add_space_prefix", addsSpacePrefix(src.json));
  if (src.chatTemplate !== null) md.set("tokenizer.chat_template", src.chatTemplate);
  for (const d of compareTokenizers(tok, tokenizerFromGguf(md as Map<string, unknown>))) warnings.push(`ids differ on ${d}`);
  return { metadata: md, model: family, pre, warnings };
}

function familyOf(json: Json, model: Json): Family {
  if (model.type === "WordPiece") return "bert";
  if (model.type === "Unigram") {
    throw new UnsupportedError("convert", "Unigram vocabularies (t5-style SentencePiece) cannot be written as GGUF by weft");
  }
  if (uses(json.pre_tokenizer, (o) => o.type === "ByteLevel") || uses(json.decoder, (o) => o.type === "ByteLevel")) return "gpt2";
  const metaspace = (o: Json) => o.type === "Metaspace" || (o.type === "Replace" && (o.content === "\u2581" || o.content === " ")) || o.type === "ByteFallback";
  if (model.byte_fallback === true || uses(json.normalizer, metaspace) || uses(json.pre_tokenizer, metaspace) || uses(json.decoder, metaspace)) return "llama";
  throw new UnsupportedError("convert", "a BPE tokenizer with neither byte-level nor SentencePiece-style (\u2581) spaces cannot be written as GGUF");
}

/** Does a normalizer / pre-tokenizer / decoder (or a Sequence of them) contain a step satisfying `test`? */
function uses(v: unknown, test: (o: Json) => boolean): boolean {
  if (!isObject(v)) return false;
  if (test(v)) return true;
  for (const key of ["normalizers", "pretokenizers", "decoders", "processors"]) {
    const list = v[key];
    if (Array.isArray(list) && list.some((x) => uses(x, test))) return true;
  }
  return false;
}

function tokenTable(src: HfTokenizerSource, family: Family, n: number): { tokens: string[]; types: Int32Array } {
  const tok = src.tokenizer;
  const added = new Set(src.specials.added.map((t) => t.id));
  for (const t of asArray(src.json.added_tokens ?? [], "added_tokens")) if (isObject(t) && typeof t.id === "number") added.add(t.id);
  const unk = unkId(src);
  const tokens = new Array<string>(n);
  const types = new Int32Array(n);
  for (let id = 0; id < n; id++) {
    const text = tok.tokenText(id);
    let type: number = TYPE.NORMAL;
    if (text === undefined || text === "") type = TYPE.UNUSED;
    else if (tok.isSpecial(id)) type = family === "llama" && id === unk ? TYPE.UNKNOWN : TYPE.CONTROL;
    else if (added.has(id)) type = TYPE.USER_DEFINED;
    else if (family === "llama" && BYTE_TOKEN.test(text)) type = TYPE.BYTE;
    tokens[id] = type === TYPE.UNUSED ? `[PAD${id}]` : family === "bert" && type === TYPE.NORMAL ? phantom(text!) : text!;
    types[id] = type;
  }
  return { tokens, types };
}

/** llama.cpp's WordPiece spelling: "##x" -> "x", a word start "x" -> "▁x"; bracketed tokens stay. */
function phantom(t: string): string {
  if (t.startsWith("[") && t.endsWith("]")) return t;
  return t.startsWith("##") ? t.slice(2) : "\u2581" + t;
}

function lastIds(tokens: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  tokens.forEach((t, id) => m.set(t, id));
  return m;
}

function unkId(src: HfTokenizerSource): number | undefined {
  const u = (src.json.model as Json).unk_token;
  return typeof u === "string" ? src.tokenizer.tokenId(u) : undefined;
}

function choosePre(src: HfTokenizerSource, warnings: string[]): string {
  const stub = { ...src.json, model: { type: "BPE", vocab: {}, merges: [] }, added_tokens: [] };
  const lib = buildLibParts(stub, {});
  const words = (text: string) => {
    const t = lib.normalizer ? lib.normalizer.normalize(text) : text;
    return lib.preTokenizer ? lib.preTokenizer.pre_tokenize(t, { section_index: 0 }) : [byteEncode(t)];
  };
  const model = src.json.model as Json;
  const clean = typeof src.config.clean_up_tokenization_spaces === "boolean" ? src.config.clean_up_tokenization_spaces : true;
  const choice = detectPre(words, model.ignore_merges === true, clean);
  if (!choice.matched) warnings.push("no llama.cpp pre-tokenizer splits text like this tokenizer's pre_tokenizer; wrote 'default'");
  return choice.name;
}

function setSpecialIds(md: Map<string, GgufValue>, src: HfTokenizerSource, family: Family): void {
  const tok = src.tokenizer, s = src.specials;
  const id = (text: string | undefined) => (text === undefined ? undefined : tok.tokenId(text));
  const put = (key: string, v: number | null | undefined) => {
    if (v !== null && v !== undefined) md.set(K + key, v);
  };
  if (family === "bert") {
    put("cls_token_id", id(s.cls) ?? tok.bos);
    put("seperator_token_id", id(s.sep) ?? tok.eos);
    put("mask_token_id", id(s.mask));
  } else {
    put("bos_token_id", tok.bos);
    put("eos_token_id", tok.eos);
  }
  put("unknown_token_id", unkId(src));
  put("padding_token_id", id(s.pad));
  md.set(K + "add_bos_token", tok.addBos);
  md.set(K + "add_eos_token", tok.addEos);
}

/** SentencePiece-style space prefix: a Prepend("▁") normalizer or a Metaspace pre-tokenizer that prepends. */
function addsSpacePrefix(json: Json): boolean {
  if (uses(json.normalizer, (o) => o.type === "Prepend" && o.prepend === "\u2581")) return true;
  return uses(json.pre_tokenizer, (o) => o.type === "Metaspace" && (o.prepend_scheme === undefined ? o.add_prefix_space !== false : o.prepend_scheme !== "never"));
}
