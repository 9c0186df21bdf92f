// Unicode helpers of the GGUF tokenisers: UTF-8 bytes, the GPT-2 byte<->char map, and llama.cpp's code point classes.

import { TextDecoder, TextEncoder } from "node:util";

const encoder = new TextEncoder();

/** UTF-8 bytes of a string (lone surrogates become EF BF BD). */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** A non-fatal UTF-8 decoder that keeps a leading U+FEFF (TextDecoder drops it by default). */
export function newUtf8Decoder(): TextDecoder {
  return new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with every lone surrogate replaced by U+FFFD, as its UTF-8 encoding would be. */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, "\uFFFD");
}

/** GPT-2 byte-level alphabet: byte b is written as BYTE_CHARS[b]. */
export const BYTE_CHARS: readonly string[] = buildByteChars();
const CHAR_TO_BYTE: ReadonlyMap<number, number> = new Map(BYTE_CHARS.map((c, b) => [c.codePointAt(0)!, b]));

function buildByteChars(): string[] {
  const out = new Array<string>(256);
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(printable(b) ? b : 256 + n++);
  return out;
}

/** Byte-level encoding of a string: each UTF-8 byte becomes one char of the GPT-2 alphabet. */
export function byteEncode(s: string): string {
  const bytes = utf8Bytes(s);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += BYTE_CHARS[bytes[i]!];
  return out;
}

/** Inverse of byteEncode; a char outside the alphabet is kept as its own UTF-8 bytes. */
export function byteDecode(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const b = CHAR_TO_BYTE.get(ch.codePointAt(0)!);
    if (b !== undefined) out.push(b);
    else for (const x of utf8Bytes(ch)) out.push(x);
  }
  return Uint8Array.from(out);
}

/** Unicode White_Space, the set llama.cpp treats as \s. */
export function isWhitespaceCp(cp: number): boolean {
  return WHITESPACE.test(String.fromCodePoint(cp));
}
const WHITESPACE = /^\p{White_Space}$/u;

/** C isspace in the "C" locale (llama.cpp's lstrip/rstrip of special tokens). */
export function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** General-category tests used by the WordPiece pre-processing. */
export const isPunctuationCp = classTest(/^\p{P}$/u);
export const isSymbolCp = classTest(/^\p{S}$/u);
export const isControlCp = classTest(/^\p{C}$/u);

function classTest(re: RegExp): (cp: number) => boolean {
  return (cp) => re.test(String.fromCodePoint(cp));
}

/** First code point of the NFD decomposition (llama.cpp's one-to-one "NFD" that drops accents). */
export function nfdFirst(cp: number): number {
  if (cp < 0xc0) return cp;
  return String.fromCodePoint(cp).normalize("NFD").codePointAt(0)!;
}

/** First code point of the lower-case mapping (llama.cpp's unicode_tolower). */
export function toLowerCp(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  return String.fromCodePoint(cp).toLowerCase().codePointAt(0)!;
}
