// Added-token matching as HF tokenizers does it: leftmost-longest matches, single_word, lstrip/rstrip, and special
// tokens skipped (left as plain text) unless parseSpecial.
import type { AddedTokenSpec } from "./config.js";

/** A piece of text still to tokenise, or the id of an added token found in the text. */
export type Fragment = string | number;

interface Node {
  next: Map<number, Node>;
  token: AddedTokenSpec | null;
}

const WHITESPACE = /^\p{White_Space}$/u;
const WORD = /^[\p{L}\p{N}_]$/u;

export class AddedMatcher {
  private readonly root: Node = { next: new Map(), token: null };
  readonly size: number;

  /** `isControl(t)`: the token is matched only when parseSpecial is on. */
  constructor(
    tokens: readonly AddedTokenSpec[],
    private readonly isControl: (t: AddedTokenSpec) => boolean,
  ) {
    for (const t of tokens) this.insert(t);
    this.size = tokens.length;
  }

  private insert(t: AddedTokenSpec): void {
    let n = this.root;
    for (let i = 0; i < t.content.length; i++) {
      const c = t.content.charCodeAt(i);
      let m = n.next.get(c);
      if (!m) {
        m = { next: new Map(), token: null };
        n.next.set(c, m);
      }
      n = m;
    }
    if (n.token === null) n.token = t; // the first of duplicate contents wins
  }

  /** Longest token starting at i: [token, end] or null. */
  private longestAt(text: string, i: number): [AddedTokenSpec, number] | null {
    let n: Node | undefined = this.root;
    let best: [AddedTokenSpec, number] | null = null;
    for (let j = i; j < text.length; j++) {
      n = n.next.get(text.charCodeAt(j));
      if (!n) break;
      if (n.token) best = [n.token, j + 1];
    }
    return best;
  }

  /** Split text into raw pieces and added-token ids. */
  split(text: string, parseSpecial: boolean): Fragment[] {
    if (this.size === 0 || text === "") return text === "" ? [] : [text];
    const out: Fragment[] = [];
    let emitted = 0; // text before this offset is already in `out`
    let i = 0;
    while (i < text.length) {
      const hit = this.root.next.has(text.charCodeAt(i)) ? this.longestAt(text, i) : null;
      if (!hit) {
        i++;
        continue;
      }
      const [tok, end] = hit;
      i = end; // a skipped match still consumes its text, as the Aho-Corasick search of HF tokenizers does
      if (!parseSpecial && this.isControl(tok)) continue;
      const start = end - tok.content.length;
      if (tok.singleWord && (isWordAt(text, start - 1, -1) || isWordAt(text, end, 1))) continue;
      let from = start;
      if (tok.lstrip) while (from > emitted && isSpaceBefore(text, from)) from -= text.codePointAt(from - 1)! > 0xffff ? 2 : 1;
      let to = end;
      if (tok.rstrip) while (to < text.length && WHITESPACE.test(String.fromCodePoint(text.codePointAt(to)!))) to += text.codePointAt(to)! > 0xffff ? 2 : 1;
      if (from > emitted) out.push(text.slice(emitted, from));
      out.push(tok.id);
      emitted = to;
      i = Math.max(i, to);
    }
    if (emitted < text.length) out.push(text.slice(emitted));
    return out;
  }
}

function isSpaceBefore(text: string, i: number): boolean {
  const lo = text.charCodeAt(i - 1);
  const ch = lo >= 0xdc00 && lo <= 0xdfff && i >= 2 ? text.slice(i - 2, i) : text[i - 1]!;
  return WHITESPACE.test(ch);
}

/** Is the code point just before (dir -1, index = start - 1) or at (dir 1) the position a word character? */
function isWordAt(text: string, i: number, dir: -1 | 1): boolean {
  if (i < 0 || i >= text.length) return false;
  let ch: string;
  if (dir === 1) ch = String.fromCodePoint(text.codePointAt(i)!);
  else {
    const lo = text.charCodeAt(i);
    ch = lo >= 0xdc00 && lo <= 0xdfff && i >= 1 ? text.slice(i - 1, i + 1) : text[i]!;
  }
  return WORD.test(ch);
}
