// llama.cpp's SentencePiece-style tokenizer: greedy merging of adjacent pieces by vocabulary score, byte fallback.
import { ValueError } from "../util/errors.js";
import { Heap } from "./heap.js";
import { utf8Bytes } from "./unicode.js";
import type { Vocab } from "./vocab.js";

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

// Highest score first; ties go to the leftmost pair (llama.cpp's llm_bigram_spm comparator).
const spmFirst = (a: Bigram, b: Bigram) => a.score > b.score || (a.score === b.score && a.left < b.left);

/**
 * Tokenise one text fragment (spaces already escaped to U+2581) and append the ids to out.
 * Symbols start as single code points; the best-scoring adjacent pair whose concatenation is a token is merged
 * until no pair is a token. Symbols that are not tokens fall back to <0xNN> byte tokens.
 */
export function spmTokenize(v: Vocab, text: string, out: number[]): void {
  const start: number[] = [];
  const len: number[] = [];
  for (let i = 0; i < text.length; ) {
    const l = text.codePointAt(i)! > 0xffff ? 2 : 1;
    start.push(i);
    len.push(l);
    i += l;
  }
  const n = start.length;
  if (n === 0) return;
  const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
  const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
  const queue = new Heap<Bigram>(spmFirst);
  const tryAdd = (l: number, r: number) => {
    if (l < 0 || r < 0) return;
    const size = len[l]! + len[r]!;
    const id = v.textToId.get(text.substr(start[l]!, size));
    if (id === undefined) return;
    queue.push({ left: l, right: r, score: v.scores ? v.scores[id]! : 0, size });
  };
  for (let i = 1; i < n; i++) tryAdd(i - 1, i);
  for (let b = queue.pop(); b !== undefined; b = queue.pop()) {
    const l = b.left;
    const r = b.right;
    // stale entry: one side was merged since it was queued
    if (len[l] === 0 || len[r] === 0 || len[l]! + len[r]! !== b.size) continue;
    len[l] = b.size;
    len[r] = 0;
    next[l] = next[r]!;
    if (next[r]! >= 0) prev[next[r]!] = l;
    tryAdd(prev[l]!, l);
    tryAdd(l, next[l]!);
  }
  for (let i = 0; i !== -1; i = next[i]!) {
    const piece = text.substr(start[i]!, len[i]!);
    const id = v.textToId.get(piece);
    if (id !== undefined) out.push(id);
    else for (const byte of utf8Bytes(piece)) out.push(byteToken(v, byte));
  }
}

const HEX = "0123456789ABCDEF";

/** The <0xNN> token of a byte, else the one-char token of an ASCII byte, else unk (llama.cpp's byte_to_token). */
export function byteToken(v: Vocab, byte: number): number {
  const id = v.textToId.get(`<0x${HEX[byte >> 4]}${HEX[byte & 15]}>`) ?? (byte < 0x80 ? v.textToId.get(String.fromCharCode(byte)) : undefined);
  if (id !== undefined) return id;
  if (v.unk !== null) return v.unk;
  throw new ValueError("tokenizer", `byte 0x${byte.toString(16)} has no <0x..> token and the vocabulary has no unknown token`);
}

const CACHE_LIMIT = 1 << 16;

/**
 * Fast path of spmTokenize with identical output: a merge can only join symbols whose concatenation is a token,
 * so the text is cut wherever two adjacent code points occur next to each other in no token; the pieces evolve
 * independently and are cached.
 */
export class SpmModel {
  private pairs: Set<number> | null = null;
  private readonly cache = new Map<string, number[]>();

  constructor(private readonly v: Vocab) {}

  tokenize(text: string, out: number[]): void {
    const pairs = (this.pairs ??= tokenPairs(this.v));
    let from = 0;
    let prevCp = -1;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      if (prevCp >= 0 && !pairs.has(prevCp * 0x110000 + cp)) {
        this.piece(text.slice(from, i), out);
        from = i;
      }
      prevCp = cp;
      i += cp > 0xffff ? 2 : 1;
    }
    if (from < text.length) this.piece(text.slice(from), out);
  }

  private piece(s: string, out: number[]): void {
    let ids = this.cache.get(s);
    if (ids === undefined) {
      ids = [];
      spmTokenize(this.v, s, ids);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(s, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
  }
}

/** Every ordered pair of adjacent code points inside some token, keyed a * 0x110000 + b. */
function tokenPairs(v: Vocab): Set<number> {
  const pairs = new Set<number>();
  for (const t of v.tokens) {
    let prev = -1;
    for (let i = 0; i < t.length; ) {
      const cp = t.codePointAt(i)!;
      if (prev >= 0) pairs.add(prev * 0x110000 + cp);
      prev = cp;
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return pairs;
}
