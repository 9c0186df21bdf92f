// The Tokenizer built from a Hugging Face tokenizer.json: weft's added-token split and BOS/EOS rules around the
// normalizer, pre-tokenizer and model of @huggingface/tokenizers; weft's own decoding and stream decoder.
import { FormatError, UnsupportedError, ValueError } from "../../util/errors.js";
import type { DecodeOptions, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer } from "../types.js";
import { newUtf8Decoder, utf8Bytes, wellFormed } from "../unicode.js";
import { AddedMatcher, type Fragment } from "./added.js";
import { type AddedTokenSpec, type HfSpecials, mergeAddedTokens } from "./config.js";
import { decodeRules, decodeWith, type DecodeRules, modelPieceBytes, streamWith } from "./decode.js";
import { asObject, type Json, OP } from "./json.js";
import { buildLibParts, checkModel, type LibParts } from "./lib.js";
import { singleWrap } from "./post.js";

export type { Fragment } from "./added.js";

/** Options of HfTokenizer.encodeFragments. */
export interface FragmentEncodeOptions {
  addBos?: boolean;
  addEos?: boolean;
  /** Whether added tokens matched after normalisation (normalized: true) may be special; default false. */
  parseSpecial?: boolean;
}

// End-of-turn texts llama.cpp also treats as end of generation (same lists as the GGUF tokenizers).
const EOT_TEXTS = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<｜end▁of▁sentence｜>"];
const EOG_TEXTS = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>"];

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly eot: number | null;
  readonly addBos: boolean;
  readonly addEos: boolean;
  /** "BPE", "Unigram" or "WordPiece". */
  readonly modelType: string;
  private readonly lib: LibParts;
  private readonly added = new Map<number, AddedTokenSpec>();
  private readonly addedByText = new Map<string, number>();
  private readonly specialIds = new Set<number>();
  private readonly eog = new Set<number>();
  private readonly rawMatcher: AddedMatcher;
  private readonly normMatcher: AddedMatcher;
  private readonly prefix: number[];
  private readonly suffix: number[];
  private readonly rules: DecodeRules;
  private readonly removeSpace: boolean;
  private readonly pieceCache = new Map<number, Uint8Array>();
  /** SentencePiece-style BPE without pre-tokenizer whose merges never cross a word start: split before "▁" runs. */
  private readonly splitWords: boolean;

  constructor(tokenizerJson: unknown, specials: HfSpecials) {
    const json = asObject(tokenizerJson, "tokenizer.json");
    const model = checkModel(json.model);
    this.modelType = model.type as string;
    const addedTokens = mergeAddedTokens(json.added_tokens, specials.added);
    const names = { bos: specials.bos, eos: specials.eos, unk: specials.unk, pad: specials.pad };
    this.lib = buildLibParts({ ...json, model, added_tokens: addedTokens.map(libAdded) }, names);
    this.rules = decodeRules(json.decoder);
    this.removeSpace = specials.removeSpace;
    for (const t of addedTokens) {
      if (!this.added.has(t.id)) this.added.set(t.id, t);
      if (!this.addedByText.has(t.content)) this.addedByText.set(t.content, t.id);
    }
    let size = this.lib.model.vocab.length;
    for (const t of addedTokens) size = Math.max(size, t.id + 1);
    this.vocabSize = size;
    this.splitWords = this.modelType === "BPE" && this.lib.preTokenizer === null && mergesStayInWords(model.merges);
    this.markSpecials(addedTokens, specials);
    const isControl = (t: AddedTokenSpec) => t.special || this.specialIds.has(t.id);
    this.rawMatcher = new AddedMatcher(addedTokens.filter((t) => !t.normalized || !this.lib.normalizer), isControl);
    this.normMatcher = new AddedMatcher(this.lib.normalizer ? addedTokens.filter((t) => t.normalized) : [], isControl);
    const ends = this.findEnds(specials, json.post_processor);
    this.bos = ends.bos;
    this.eos = ends.eos;
    this.prefix = ends.prefix;
    this.suffix = ends.suffix;
    this.addBos = this.prefix.length > 0;
    this.addEos = this.suffix.length > 0;
    this.eot = this.firstPresent(EOT_TEXTS);
    for (const id of [this.eos, this.eot, ...specials.eosIds, ...this.allPresent(EOG_TEXTS)]) if (id !== null) this.eog.add(id);
    for (const id of this.eog) this.specialIds.add(id);
  }

  /** Special (control) ids: added tokens marked special plus every token the config names (bos, eos, ..., additional). */
  private markSpecials(added: AddedTokenSpec[], s: HfSpecials): void {
    for (const t of added) if (t.special) this.specialIds.add(t.id);
    for (const text of [s.bos, s.eos, s.unk, s.pad, s.sep, s.cls, s.mask, ...s.additional]) {
      const id = text === undefined ? undefined : this.tokenId(text);
      if (id !== undefined) this.specialIds.add(id);
    }
    for (const id of s.eosIds) if (id < this.vocabSize) this.specialIds.add(id);
    const unk = this.lib.model.unk_token_id;
    if (unk !== undefined && unk !== null) this.specialIds.add(unk);
  }

  private findEnds(s: HfSpecials, post: unknown): { bos: number | null; eos: number | null; prefix: number[]; suffix: number[] } {
    const wrap = singleWrap(post);
    for (const id of [...wrap.prefix, ...wrap.suffix]) this.checkId(id, "post_processor");
    const look = (t: string | undefined) => (t === undefined ? undefined : this.tokenId(t));
    const inVocab = (id: number | undefined) => (id !== undefined && id < this.vocabSize ? id : undefined);
    const bos = look(s.bos) ?? inVocab(s.bosId) ?? wrap.prefix[0] ?? look(s.cls) ?? null;
    const eos = look(s.eos) ?? inVocab(s.eosIds[0]) ?? wrap.suffix[wrap.suffix.length - 1] ?? look(s.sep) ?? null;
    const prefix = s.addBos === undefined ? wrap.prefix : s.addBos && bos !== null ? [bos] : [];
    const suffix = s.addEos === undefined ? wrap.suffix : s.addEos && eos !== null ? [eos] : [];
    return { bos, eos, prefix, suffix };
  }

  private firstPresent(texts: string[]): number | null {
    return this.allPresent(texts)[0] ?? null;
  }

  private allPresent(texts: string[]): number[] {
    const out: number[] = [];
    for (const t of texts) {
      const id = this.tokenId(t);
      if (id !== undefined && this.added.has(id)) out.push(id);
    }
    return out;
  }

  private checkId(id: number, what: string): void {
    if (id >= this.vocabSize) throw new FormatError(OP, `${what} names token id ${id} but the vocabulary has ${this.vocabSize} ids`);
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const parseSpecial = opts.parseSpecial ?? false;
    return this.encodeFragments(this.partition(text, parseSpecial), { ...opts, parseSpecial });
  }

  /**
   * Split text at added tokens (special ones only when parseSpecial), as HF tokenizers does before normalisation.
   * Strings in the result are raw text; a string first in the list starts the text (SentencePiece prefix rules).
   */
  partition(text: string, parseSpecial: boolean): Fragment[] {
    return this.rawMatcher.split(wellFormed(text), parseSpecial);
  }

  /** Ids of pre-split fragments: strings are tokenised as raw text, numbers are taken as they are. */
  encodeFragments(frags: readonly Fragment[], opts: FragmentEncodeOptions = {}): number[] {
    const out: number[] = [];
    if (opts.addBos ?? this.addBos) out.push(...(this.prefix.length > 0 ? this.prefix : this.bos !== null ? [this.bos] : []));
    for (const [i, f] of frags.entries()) {
      if (typeof f === "number") {
        if (!Number.isInteger(f) || f < 0 || f >= this.vocabSize) throw new ValueError(OP, `fragment id ${f} is outside [0, ${this.vocabSize})`);
        out.push(f);
      } else this.encodeText(wellFormed(f), i === 0, opts.parseSpecial ?? false, out);
    }
    if (opts.addEos ?? this.addEos) out.push(...(this.suffix.length > 0 ? this.suffix : this.eos !== null ? [this.eos] : []));
    return out;
  }

  private encodeText(text: string, atStart: boolean, parseSpecial: boolean, out: number[]): void {
    let t = text;
    if (this.removeSpace) t = t.trim().split(/\s+/).join(" ");
    if (this.lib.normalizer) t = this.lib.normalizer.normalize(t);
    if (t === "") return;
    const model = this.lib.model;
    for (const [k, sub] of this.normMatcher.split(t, parseSpecial).entries()) {
      if (typeof sub === "number") {
        out.push(sub);
        continue;
      }
      const words = this.lib.preTokenizer
        ? this.lib.preTokenizer.pre_tokenize(sub, { section_index: atStart && k === 0 ? 0 : 1 })
        : this.splitWords ? sub.split(WORD_START) : [sub];
      for (const tok of model._call(words)) {
        const id = model.tokens_to_ids.get(tok) ?? model.unk_token_id;
        if (id === undefined || id === null) throw new FormatError(OP, `the model produced token ${JSON.stringify(tok)}, which has no id and there is no unk token`);
        out.push(id);
      }
    }
  }

  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    return decodeWith(this, this.rules, ids, opts);
  }

  streamDecoder(opts: StreamDecoderOptions = {}): StreamDecoder {
    return streamWith(this, this.rules, opts);
  }

  /** Bytes of one token: added tokens verbatim, model tokens through the decoder chain (no start-of-text rules). */
  bytes(id: number): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new ValueError(OP, `token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    }
    let b = this.pieceCache.get(id);
    if (b === undefined) {
      const added = this.added.get(id);
      const text = this.lib.model.vocab[id];
      if (added) b = utf8Bytes((this.rules.wordPiecePrefix !== null ? " " : "") + added.content);
      else b = text === undefined ? new Uint8Array(0) : modelPieceBytes(this.rules, text);
      this.pieceCache.set(id, b);
    }
    return b;
  }

  tokenToPiece(id: number): string {
    return newUtf8Decoder().decode(this.bytes(id));
  }

  tokenToBytes(id: number): Uint8Array {
    return this.bytes(id).slice();
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  isEog(id: number): boolean {
    return this.eog.has(id);
  }

  /** Texts of the special tokens (what parseSpecial turns into ids and user text must not). */
  specialTexts(): string[] {
    const out: string[] = [];
    for (const id of this.specialIds) {
      const t = this.added.get(id)?.content ?? this.lib.model.vocab[id];
      if (t !== undefined && t !== "") out.push(t);
    }
    return out;
  }

  /** Id of a token text (added tokens included). */
  tokenId(text: string): number | undefined {
    return this.addedByText.get(text) ?? this.lib.model.tokens_to_ids.get(text);
  }

  /** Text of a token as stored in tokenizer.json. */
  tokenText(id: number): string | undefined {
    return this.added.get(id)?.content ?? this.lib.model.vocab[id];
  }
}

/** Between a character other than "▁" and a "▁": where a SentencePiece word (with its leading "▁" run) starts. */
const WORD_START = /(?<=[^\u2581])(?=\u2581)/;

/**
 * True when no merge builds a token holding "▁" after its first character (other than a run of "▁"): then no
 * token spans a word start, and BPE over each word gives the ids BPE over the whole text gives (HF runs one BPE
 * over the whole text, which is slow for long inputs).
 */
function mergesStayInWords(merges: unknown): boolean {
  if (!Array.isArray(merges)) return true;
  for (const m of merges) {
    const t = typeof m === "string" ? m.replace(" ", "") : (m as string[]).join("");
    if (t.indexOf("\u2581", 1) > 0 && !/^\u2581+$/.test(t)) return false;
  }
  return true;
}

function libAdded(t: AddedTokenSpec): Json {
  return { id: t.id, content: t.content, special: t.special, lstrip: t.lstrip, rstrip: t.rstrip, single_word: t.singleWord, normalized: t.normalized };
}

/** Tokenizer options that weft does not implement are refused rather than silently ignored. */
export function refuseUnsupported(config: Json): void {
  if (config.do_lowercase_and_remove_accent === true) {
    throw new UnsupportedError(OP, "tokenizer_config do_lowercase_and_remove_accent (XLM) is not supported");
  }
}
