// GGUF vocabulary (tokenizer.ggml.*) -> Hugging Face tokenizer.json, tokenizer_config.json and the generation ids:
// byte-level BPE (gpt2), SentencePiece (llama: BPE with byte fallback, merges from scores) and WordPiece (bert).
import type { Json } from "../hf/json.js";
import { Meta } from "../meta.js";
import { preTokenizer } from "../pretokenize.js";
import { ATTR, loadVocab, type Vocab } from "../vocab.js";
import {
  type AddedJson, addedTokensDecoder, BERT_NORMALIZER, BYTE_LEVEL, byteLevelPreTokenizer, metaspaceDecoder,
  metaspaceNormalizer, onigSource, templatePost, WORDPIECE_DECODER,
} from "./hf-json.js";
import { mergesFromScores } from "./spm-merges.js";

/** The contents of the tokenizer files of a Hugging Face folder. */
export interface HfTokenizerFiles {
  /** tokenizer.json */
  tokenizer: Json;
  /** tokenizer_config.json (special tokens, add_bos_token, chat_template, ...). */
  config: Json;
  /** generation_config.json ids: bos_token_id, eos_token_id (every end-of-generation id). */
  generation: Json;
  /** "gpt2", "llama" or "bert" (tokenizer.ggml.model). */
  model: string;
}

const K = "tokenizer.ggml.";
const MODEL_NAME = { bpe: "gpt2", spm: "llama", wpm: "bert" } as const;

/**
 * The Hugging Face tokenizer files of a GGUF vocabulary, built so that tokenizerFromHfJson gives the ids the GGUF
 * tokenizer gives. Throws UnsupportedError for vocabularies weft cannot read (t5, rwkv, unknown pre-tokenisers).
 */
export function hfTokenizerFromGguf(metadata: Map<string, unknown>): HfTokenizerFiles {
  const meta = new Meta(metadata);
  const v = loadVocab(meta);
  const texts = v.tokens.map((t, id) => hfText(v, id, t));
  const added = addedTokens(v);
  const vocab = vocabObject(texts);
  const text = (id: number | null) => (id === null ? null : { text: texts[id]!, id });
  const post = templatePost(v.addBos ? text(v.bos) : null, v.addEos ? text(v.kind === "wpm" ? v.sep : v.eos) : null);
  const tokenizer: Json = { version: "1.0", truncation: null, padding: null, added_tokens: added, ...familyParts(v, texts, vocab, post) };
  return { tokenizer, config: tokenizerConfig(v, meta, texts, added, metadata), generation: generationIds(v), model: MODEL_NAME[v.kind] };
}

/** Text of a token in tokenizer.json: WordPiece undoes llama.cpp's "phantom space" ("▁word" -> "word", "x" -> "##x"). */
function hfText(v: Vocab, id: number, t: string): string {
  if (v.kind !== "wpm" || v.attrs[id]! & (ATTR.CONTROL | ATTR.USER_DEFINED | ATTR.UNKNOWN)) return t;
  if (t.startsWith("[") && t.endsWith("]")) return t;
  return t.startsWith("\u2581") ? t.slice(1) : "##" + t;
}

/** text -> id; a text held by several ids maps to the last, as the GGUF tokenizer's lookup does. */
function vocabObject(texts: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  texts.forEach((t, id) => m.set(t, id));
  return m;
}

function addedTokens(v: Vocab): AddedJson[] {
  const out: AddedJson[] = [];
  for (let id = 0; id < v.tokens.length; id++) {
    const a = v.attrs[id]!;
    if (!(a & (ATTR.CONTROL | ATTR.USER_DEFINED | ATTR.UNKNOWN))) continue;
    out.push({
      id, content: v.tokens[id]!, single_word: false, lstrip: (a & ATTR.LSTRIP) !== 0, rstrip: (a & ATTR.RSTRIP) !== 0,
      normalized: false, special: (a & ATTR.USER_DEFINED) === 0,
    });
  }
  return out;
}

function familyParts(v: Vocab, texts: readonly string[], vocab: Map<string, number>, post: Json | null): Json {
  const vocabJson = Object.fromEntries(vocab);
  if (v.kind === "bpe") {
    const gpt2 = onigSource(preTokenizer("gpt-2").regexes[0]!);
    const model = { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: v.pre!.ignoreMerges, vocab: vocabJson, merges: v.merges };
    const pre = byteLevelPreTokenizer(v.pre!.regexes.map(onigSource), gpt2);
    return { normalizer: null, pre_tokenizer: pre, post_processor: post ? { type: "Sequence", processors: [BYTE_LEVEL, post] } : BYTE_LEVEL,
      decoder: BYTE_LEVEL, model };
  }
  if (v.kind === "spm") {
    const merges = mergesFromScores(texts, v.scores, vocab).filter(([l, r]) => !l.includes(" ") && !r.includes(" "));
    const unk = v.unk === null ? null : texts[v.unk]!;
    const model = { type: "BPE", dropout: null, unk_token: unk, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab: vocabJson, merges: merges.map(([l, r]) => `${l} ${r}`) };
    return { normalizer: metaspaceNormalizer(v.addSpacePrefix), pre_tokenizer: null, post_processor: post,
      decoder: metaspaceDecoder(v.addSpacePrefix), model };
  }
  const unk = v.unk === null ? "[UNK]" : texts[v.unk]!;
  const model = { type: "WordPiece", unk_token: unk, continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: vocabJson };
  return { normalizer: BERT_NORMALIZER, pre_tokenizer: { type: "BertPreTokenizer" }, post_processor: post, decoder: WORDPIECE_DECODER, model };
}

function tokenizerConfig(v: Vocab, meta: Meta, texts: readonly string[], added: AddedJson[], metadata: Map<string, unknown>): Json {
  const name = (id: number | null | undefined) => (id === null || id === undefined || id < 0 || id >= texts.length ? null : texts[id]!);
  const cfg: Json = {
    add_bos_token: v.addBos,
    add_eos_token: v.addEos,
    added_tokens_decoder: addedTokensDecoder(added),
    bos_token: v.kind === "wpm" ? null : name(v.bos),
    eos_token: v.kind === "wpm" ? null : name(v.eos),
    unk_token: name(v.unk),
    pad_token: name(meta.int(K + "padding_token_id")),
  };
  if (v.kind === "wpm") {
    cfg.cls_token = name(v.bos);
    cfg.sep_token = name(v.sep);
    cfg.mask_token = name(meta.int(K + "mask_token_id"));
    cfg.do_lower_case = true;
  }
  cfg.clean_up_tokenization_spaces = v.cleanSpaces;
  const arch = meta.string("general.architecture");
  const ctx = arch ? meta.int(`${arch}.context_length`) : undefined;
  if (ctx !== undefined && ctx > 0) cfg.model_max_length = ctx;
  cfg.tokenizer_class = "PreTrainedTokenizerFast";
  const template = chatTemplates(metadata);
  if (template !== null) cfg.chat_template = template;
  return cfg;
}

/** tokenizer.chat_template, plus named tokenizer.chat_template.<name> entries as HF's list of {name, template}. */
function chatTemplates(metadata: Map<string, unknown>): string | Json[] | null {
  const main = metadata.get("tokenizer.chat_template");
  const named: Json[] = [];
  for (const [k, t] of metadata) {
    if (k.startsWith("tokenizer.chat_template.") && typeof t === "string") named.push({ name: k.slice("tokenizer.chat_template.".length), template: t });
  }
  if (named.length === 0) return typeof main === "string" ? main : null;
  return typeof main === "string" ? [{ name: "default", template: main }, ...named] : named;
}

/** bos and every end-of-generation id (eos first), as generation_config.json carries them. */
function generationIds(v: Vocab): Json {
  const eog = [...v.eog].sort((a, b) => a - b);
  const eos = v.eos !== null ? [v.eos, ...eog.filter((id) => id !== v.eos)] : eog;
  const out: Json = {};
  if (v.bos !== null) out.bos_token_id = v.bos;
  if (eos.length > 0) out.eos_token_id = eos.length === 1 ? eos[0] : eos;
  return out;
}
