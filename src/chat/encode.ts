// encodeChat: render a chat template and tokenise it so that template markers become special tokens while nothing
// inside the messages (or tools) can: special-token texts in user strings are swapped for private-use markers before
// rendering and put back, as plain text, only after the rendered prompt has been split at special tokens.
import { AddedMatcher, type Fragment } from "../tokenizers/hf/added.js";
import type { AddedTokenSpec } from "../tokenizers/hf/config.js";
import type { Tokenizer } from "../tokenizers/types.js";
import { renderChat } from "./template.js";
import type { ChatMessage, RenderOptions } from "./types.js";

export interface EncodeChatOptions extends RenderOptions {
  /** Start with BOS when the rendered prompt does not already; default: the tokenizer's addBos. */
  addBos?: boolean;
}

/** A tokenizer that splits at added tokens itself and encodes pre-split fragments (HfTokenizer does). */
interface FragmentTokenizer extends Tokenizer {
  partition(text: string, parseSpecial: boolean): Fragment[];
  encodeFragments(frags: readonly Fragment[], opts: { addBos?: boolean; addEos?: boolean; parseSpecial?: boolean }): number[];
  specialTexts(): string[];
}

function isFragmentTokenizer(t: Tokenizer): t is FragmentTokenizer {
  const f = t as Partial<FragmentTokenizer>;
  return typeof f.partition === "function" && typeof f.encodeFragments === "function" && typeof f.specialTexts === "function";
}

/** The special tokens of a tokenizer: matchers over their texts, and every proper prefix / suffix of those texts. */
interface SpecialIndex {
  texts: string[];
  ids: number[];
  /** Finds special texts in user strings (exact text, no whitespace stripping). */
  finder: AddedMatcher;
  /** Splits a rendered prompt as the tokenizer would (lstrip/rstrip probed), for tokenizers without partition(). */
  splitter: AddedMatcher;
  prefixes: Set<string>;
  suffixes: Set<string>;
  maxLen: number;
}

const indexes = new WeakMap<Tokenizer, SpecialIndex>();

function specialIndex(tok: Tokenizer): SpecialIndex {
  let ix = indexes.get(tok);
  if (ix) return ix;
  const specs: AddedTokenSpec[] = [];
  const ids: number[] = [];
  const add = (content: string, id: number, lstrip: boolean, rstrip: boolean) => {
    specs.push({ id: specs.length, content, special: true, lstrip, rstrip, singleWord: false, normalized: false });
    ids.push(id);
  };
  if (isFragmentTokenizer(tok)) {
    for (const t of tok.specialTexts()) add(t, -1, false, false); // ids unused: the tokenizer splits at its own tokens
  } else {
    for (let id = 0; id < tok.vocabSize; id++) {
      const t = tok.isSpecial(id) ? tok.tokenToPiece(id) : "";
      if (t !== "") add(t, id, swallows(tok, id, WS + t), swallows(tok, id, t + WS));
    }
  }
  const texts = specs.map((s) => s.content);
  const exact = specs.map((s) => ({ ...s, lstrip: false, rstrip: false }));
  const finder = new AddedMatcher(exact, () => true);
  ix = { texts, ids, finder, splitter: new AddedMatcher(specs, () => true), prefixes: new Set(), suffixes: new Set(), maxLen: 0 };
  for (const t of texts) {
    ix.maxLen = Math.max(ix.maxLen, t.length);
    for (let k = 1; k < t.length; k++) {
      ix.prefixes.add(t.slice(0, k));
      ix.suffixes.add(t.slice(k));
    }
  }
  indexes.set(tok, ix);
  return ix;
}

const WS = " \n";

/** Does the tokenizer drop the whitespace next to this special token (lstrip/rstrip)? Probed through encode. */
function swallows(tok: Tokenizer, id: number, text: string): boolean {
  const ids = tok.encode(text, { addBos: false, addEos: false, parseSpecial: true });
  return ids.length === 1 && ids[0] === id;
}

/** Swaps special-token texts in user strings for markers and back. */
class Defuser {
  private readonly open: string;
  private readonly close: string;
  private readonly originals: string[] = [];
  private readonly markerRe: RegExp;

  constructor(
    private readonly ix: SpecialIndex,
    avoid: string,
  ) {
    let cp = 0xe000;
    while (avoid.includes(String.fromCodePoint(cp)) || avoid.includes(String.fromCodePoint(cp + 1))) cp += 2;
    this.open = String.fromCodePoint(cp);
    this.close = String.fromCodePoint(cp + 1);
    this.markerRe = new RegExp(`${this.open}(\\d+)${this.close}`, "gu");
  }

  private marker(original: string): string {
    this.originals.push(original);
    return `${this.open}${this.originals.length - 1}${this.close}`;
  }

  /** Every special text in s, and a head/tail of s that could join template text into a special, become markers. */
  string(s: string): string {
    const ix = this.ix;
    if (ix.texts.length === 0 || s === "") return s;
    let head = Math.min(ix.maxLen - 1, s.length);
    while (head > 0 && !ix.suffixes.has(s.slice(0, head))) head--;
    let tail = Math.min(ix.maxLen - 1, s.length - head);
    while (tail > 0 && !ix.prefixes.has(s.slice(s.length - tail))) tail--;
    let out = head > 0 ? this.marker(s.slice(0, head)) : "";
    for (const f of ix.finder.split(s.slice(head, s.length - tail), true)) out += typeof f === "number" ? this.marker(ix.texts[f]!) : f;
    return tail > 0 ? out + this.marker(s.slice(s.length - tail)) : out;
  }

  /** A copy of a JSON-like value with every string defused (object keys are kept). */
  deep(v: unknown): unknown {
    if (typeof v === "string") return this.string(v);
    if (Array.isArray(v)) return v.map((x) => this.deep(x));
    if (typeof v === "object" && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.deep(x);
      return out;
    }
    return v;
  }

  restore(s: string): string {
    return s.replace(this.markerRe, (m, d: string) => this.originals[Number(d)] ?? m);
  }
}

function allStrings(v: unknown, out: string[]): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      allStrings(x, out);
    }
  }
  return out;
}

/**
 * Token ids of a chat prompt: the template rendered (see renderChat) with bos_token/eos_token defaulting to the
 * tokenizer's, its markers parsed as special tokens, message and tool text tokenised with special parsing off.
 * Apart from that, the ids equal tokenizer.encode(renderChat(...), { parseSpecial: true }): text runs are tokenised
 * whole across the seams between template and message text.
 */
export function encodeChat(tokenizer: Tokenizer, template: string, messages: ChatMessage[], opts: EncodeChatOptions = {}): number[] {
  const ix = specialIndex(tokenizer);
  const avoid = allStrings([template, messages, opts.tools ?? null, opts.extra ?? null], []).join("\n");
  const d = new Defuser(ix, avoid);
  const safeMessages = d.deep(messages) as ChatMessage[];
  const tools = opts.tools === undefined ? undefined : (d.deep(opts.tools) as unknown[]);
  const piece = (id: number | null) => (id === null ? "" : tokenizer.tokenToPiece(id));
  const rendered = renderChat(template, safeMessages, {
    ...opts,
    tools,
    bosToken: opts.bosToken ?? piece(tokenizer.bos),
    eosToken: opts.eosToken ?? piece(tokenizer.eos),
  });
  const ids = isFragmentTokenizer(tokenizer) ? encodeWithFragments(tokenizer, rendered, d) : encodeGeneric(tokenizer, ix, rendered, d);
  const bos = tokenizer.bos;
  if ((opts.addBos ?? tokenizer.addBos) && bos !== null && ids[0] !== bos) ids.unshift(bos);
  return ids;
}

function encodeWithFragments(tok: FragmentTokenizer, rendered: string, d: Defuser): number[] {
  const frags = tok.partition(rendered, true).map((f) => (typeof f === "string" ? d.restore(f) : f));
  return tok.encodeFragments(frags, { addBos: false, addEos: false, parseSpecial: false });
}

/** Any Tokenizer: split at special texts here, then encode each text run with special parsing off. */
function encodeGeneric(tok: Tokenizer, ix: SpecialIndex, rendered: string, d: Defuser): number[] {
  const out: number[] = [];
  for (const f of ix.splitter.split(rendered, true)) {
    if (typeof f === "number") out.push(ix.ids[f]!);
    else out.push(...tok.encode(d.restore(f), { addBos: false, addEos: false, parseSpecial: false }));
  }
  return out;
}
