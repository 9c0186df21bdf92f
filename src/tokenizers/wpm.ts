// llama.cpp's WordPiece (BERT) tokenizer: accent-stripping lower-case split, then greedy longest-match pieces.
import {
  isControlCp, isPunctuationCp, isSymbolCp, isWhitespaceCp, nfdFirst, toLowerCp,
} from "./unicode.js";
import type { Vocab } from "./vocab.js";

/** Tokenise one text fragment and append the ids to out (GGUF BERT vocabularies mark word starts with U+2581). */
export function wpmTokenize(v: Vocab, text: string, out: number[]): void {
  for (const word of wpmWords(text)) {
    const w = "\u2581" + word;
    const before = out.length;
    let i = 0;
    while (i < w.length) {
      const end = longestMatch(v, w, i);
      if (end < 0) {
        out.length = before; // one unmatched position discards the whole word
        break;
      }
      out.push(v.textToId.get(w.slice(i, end))!);
      i = end;
    }
    if (out.length === before && v.unk !== null) out.push(v.unk);
  }
}

function longestMatch(v: Vocab, w: string, i: number): number {
  for (let j = Math.min(w.length, i + v.maxTokenLen + 1); j > i; j--) {
    if (v.textToId.has(w.slice(i, j))) return j;
  }
  return -1;
}

/** Split into words: whitespace separates, punctuation, ASCII symbols and CJK ideographs stand alone. */
export function wpmWords(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  const flush = () => {
    if (cur !== "") words.push(cur);
    cur = "";
  };
  for (const ch of text) {
    const cp = nfdFirst(ch.codePointAt(0)!);
    if (isWhitespaceCp(cp)) {
      flush();
      continue;
    }
    if (cp === 0 || cp === 0xfffd || isControlCp(cp)) continue;
    const s = String.fromCodePoint(toLowerCp(cp));
    if (isPunctuationCp(cp) || (cp < 0x7f && isSymbolCp(cp)) || isChineseChar(cp)) {
      flush();
      words.push(s);
    } else {
      cur += s;
    }
  }
  flush();
  return words;
}

function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}
