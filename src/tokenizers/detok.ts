// Token -> bytes (llama.cpp's token_to_piece), whole-sequence decoding and the streaming UTF-8-safe decoder.
import { ValueError } from "../util/errors.js";
import type { DecodeOptions, StreamDecoder, StreamDecoderOptions } from "./types.js";
import { byteDecode, newUtf8Decoder, utf8Bytes } from "./unicode.js";
import { ATTR, type Vocab } from "./vocab.js";

const SPECIAL = ATTR.CONTROL | ATTR.UNKNOWN;
const EMPTY = new Uint8Array(0);

/** Per-token piece bytes, computed on first use. */
export class Pieces {
  private readonly cache: (Uint8Array | undefined)[];

  constructor(private readonly v: Vocab) {
    this.cache = new Array<Uint8Array | undefined>(v.tokens.length);
  }

  /** Bytes of a token as llama.cpp's token_to_piece with special = true. */
  bytes(id: number): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.v.tokens.length) {
      throw new ValueError("tokenizer", `token id ${id} is outside the vocabulary [0, ${this.v.tokens.length})`);
    }
    let b = this.cache[id];
    if (b === undefined) {
      b = this.compute(id);
      this.cache[id] = b;
    }
    return b;
  }

  private compute(id: number): Uint8Array {
    const v = this.v;
    const attr = v.attrs[id]!;
    const text = v.tokens[id]!;
    if (attr & (SPECIAL | ATTR.USER_DEFINED)) return utf8Bytes(text);
    if (v.kind === "bpe") return attr & ATTR.NORMAL ? byteDecode(text) : EMPTY;
    if (attr & ATTR.NORMAL) return utf8Bytes(text.replaceAll("\u2581", " "));
    if (attr & ATTR.BYTE) {
      const byte = parseInt(text.slice(3, 5), 16);
      return Number.isNaN(byte) ? EMPTY : Uint8Array.of(byte);
    }
    return EMPTY; // unused / undefined tokens render as nothing
  }

  /** True for control and unknown tokens, which skipSpecial drops. */
  isSpecial(id: number): boolean {
    return (this.v.attrs[id]! & SPECIAL) !== 0;
  }
}

/**
 * Decode a whole id sequence. Where the encoder added a leading space (SentencePiece add_space_prefix: at the start
 * and after every special or user-defined token), one leading space of the next piece is removed, so
 * decode(encode(x)) === x; WordPiece drops the word-start space of the first word.
 */
export function decodeIds(v: Vocab, pieces: Pieces, ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
  const parts: Uint8Array[] = [];
  let strip = v.addSpacePrefix || v.kind === "wpm";
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    let b = pieces.bytes(id);
    const fromPartition = (v.attrs[id]! & (SPECIAL | ATTR.USER_DEFINED)) !== 0;
    if (fromPartition) {
      strip = v.addSpacePrefix;
      if (!(opts.skipSpecial && pieces.isSpecial(id))) parts.push(b);
      continue;
    }
    if (strip && b.length > 0) {
      if (b[0] === 0x20) b = b.subarray(1);
      strip = false;
    }
    parts.push(b);
  }
  const text = newUtf8Decoder().decode(concat(parts));
  return opts.cleanSpaces ? cleanSpaces(text) : text;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A decoder that buffers incomplete UTF-8 sequences across tokens. */
export function streamDecoder(pieces: Pieces, opts: StreamDecoderOptions = {}): StreamDecoder {
  const dec = newUtf8Decoder();
  return {
    push(id: number): string {
      const b = pieces.bytes(id);
      if (opts.skipSpecial && pieces.isSpecial(id)) return "";
      return dec.decode(b, { stream: true });
    },
    flush(): string {
      return dec.decode();
    },
  };
}

/** llama.cpp's clean_up_tokenization_spaces: " ?" " !" " ." " ," -> no space, " ' " -> "'", " 's" " 'm" " 're" " 've". */
export function cleanSpaces(s: string): string {
  return s
    .replace(/ ([?!.,])/g, "$1")
    .replace(/ ' /g, "'")
    .replace(/ (?='(?:s|m|re|ve))/g, "");
}
