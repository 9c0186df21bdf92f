// llama.cpp's byte-level BPE: pre-tokeniser split, GPT-2 byte alphabet, merges applied by rank with a word cache.
import { Heap } from "./heap.js";
import { splitWords, type PreTokenizer } from "./pretokenize.js";
import { byteEncode } from "./unicode.js";
import type { Vocab } from "./vocab.js";

interface Bigram {
  left: number;
  right: number;
  rank: number;
  size: number;
}

// Lowest rank first; ties go to the leftmost pair (llama.cpp's llm_bigram_bpe comparator).
const bpeFirst = (a: Bigram, b: Bigram) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left);

const CACHE_LIMIT = 1 << 16;

export class BpeModel {
  /** "left right" -> rank; the first occurrence of a pair wins, as in llama.cpp. */
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  constructor(
    private readonly v: Vocab,
    merges: readonly string[],
    private readonly pre: PreTokenizer,
  ) {
    for (let i = 0; i < merges.length; i++) {
      const m = merges[i]!;
      // split at the first space after position 0 (a merge may start with a space)
      if (m.indexOf(" ", 1) < 0) continue;
      if (!this.ranks.has(m)) this.ranks.set(m, i);
    }
  }

  /** Tokenise one text fragment and append the ids to out. */
  tokenize(text: string, out: number[]): void {
    for (const word of splitWords(text, this.pre.regexes)) {
      let ids = this.cache.get(word);
      if (ids === undefined) {
        ids = this.encodeWord(byteEncode(word));
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(word, ids);
      }
      for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
    }
  }

  /** Merge one byte-encoded word (every char is one byte, so one UTF-16 unit). */
  private encodeWord(w: string): number[] {
    const v = this.v;
    if (this.pre.ignoreMerges) {
      const id = v.textToId.get(w);
      if (id !== undefined) return [id];
    }
    const n = w.length;
    const len = new Int32Array(n).fill(1);
    const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const queue = new Heap<Bigram>(bpeFirst);
    const tryAdd = (l: number, r: number) => {
      if (l < 0 || r < 0) return;
      const rank = this.ranks.get(w.substr(l, len[l]!) + " " + w.substr(r, len[r]!));
      if (rank !== undefined) queue.push({ left: l, right: r, rank, size: len[l]! + len[r]! });
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);
    for (let b = queue.pop(); b !== undefined; b = queue.pop()) {
      const l = b.left;
      const r = b.right;
      if (len[l] === 0 || len[r] === 0 || len[l]! + len[r]! !== b.size) continue; // outdated pair
      len[l] = b.size;
      len[r] = 0;
      next[l] = next[r]!;
      if (next[r]! >= 0) prev[next[r]!] = l;
      tryAdd(prev[l]!, l);
      tryAdd(l, next[l]!);
    }
    return this.symbolsToIds(w, len);
  }

  private symbolsToIds(w: string, len: Int32Array): number[] {
    const ids: number[] = [];
    for (let i = 0; i < w.length; i += len[i]!) {
      const piece = w.substr(i, len[i]!);
      const id = this.v.textToId.get(piece);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      // llama.cpp falls back to one-byte tokens, which only ASCII chars of the alphabet can be
      for (const ch of piece) {
        const b = ch.charCodeAt(0) < 0x80 ? this.v.textToId.get(ch) : undefined;
        if (b !== undefined) ids.push(b);
      }
    }
    return ids;
  }
}
