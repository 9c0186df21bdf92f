// Splits text at special-token texts before tokenisation, as llama.cpp's tokenizer_st_partition does.
import { isAsciiSpace } from "./unicode.js";
import { ATTR, type Vocab } from "./vocab.js";

/** A piece of raw text still to tokenise, or a token id found verbatim. */
export type Fragment = string | number;

/**
 * Each special token, longest text first, splits every raw-text fragment at all its occurrences. Control and
 * unknown tokens take part only when parseSpecial; user-defined tokens always do (as in llama.cpp and HF).
 * Tokens with LSTRIP/RSTRIP swallow the ASCII spaces before/after them.
 */
export function partition(v: Vocab, text: string, parseSpecial: boolean): Fragment[] {
  let frags: Fragment[] = text === "" ? [] : [text];
  for (const id of v.specials) {
    const attr = v.attrs[id]!;
    if (!parseSpecial && attr & (ATTR.CONTROL | ATTR.UNKNOWN)) continue;
    const needle = v.tokens[id]!;
    let hit = false;
    for (const f of frags) if (typeof f === "string" && f.includes(needle)) hit = true;
    if (!hit) continue;
    const next: Fragment[] = [];
    for (const f of frags) {
      if (typeof f === "number") next.push(f);
      else splitAt(f, needle, id, attr, next);
    }
    frags = next;
  }
  return frags;
}

function splitAt(s: string, needle: string, id: number, attr: number, out: Fragment[]): void {
  let from = 0;
  for (let at = s.indexOf(needle, from); at >= 0; at = s.indexOf(needle, from)) {
    let leftEnd = at;
    if (attr & ATTR.LSTRIP) while (leftEnd > from && isAsciiSpace(s.charCodeAt(leftEnd - 1))) leftEnd--;
    if (leftEnd > from) out.push(s.slice(from, leftEnd));
    out.push(id);
    from = at + needle.length;
    if (attr & ATTR.RSTRIP) while (from < s.length && isAsciiSpace(s.charCodeAt(from))) from++;
  }
  if (from < s.length) out.push(s.slice(from));
}
