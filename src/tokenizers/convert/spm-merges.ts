// SentencePiece scores <-> BPE merges: the merges HF's LlamaConverter derives from scores, and scores (-merge rank)
// under which llama.cpp's score-greedy SPM merging reproduces a BPE merge list.

/** One BPE merge: left and right piece. */
export type Merge = readonly [string, string];

/**
 * HF LlamaConverter's merges from a SentencePiece vocabulary: for every token that splits (at a code-point boundary)
 * into two vocabulary pieces, one merge per split, the splits of a token ordered by the pieces' ids; all merges then
 * ordered by the merged token's score, highest first (a stable sort, so equal scores keep id order).
 * `ids` maps a text to the id a tokenizer gives it (duplicated texts: only that id's entry is used).
 */
export function mergesFromScores(tokens: readonly string[], scores: ArrayLike<number> | null, ids: ReadonlyMap<string, number>): Merge[] {
  const out: { l: string; r: string; score: number }[] = [];
  for (let id = 0; id < tokens.length; id++) {
    const t = tokens[id]!;
    if (ids.get(t) !== id) continue;
    const local: { l: string; r: string; li: number; ri: number }[] = [];
    for (let cut = nextCut(t, 0); cut < t.length; cut = nextCut(t, cut)) {
      const l = t.slice(0, cut), r = t.slice(cut);
      const li = ids.get(l), ri = ids.get(r);
      if (li !== undefined && ri !== undefined) local.push({ l, r, li, ri });
    }
    local.sort((a, b) => a.li - b.li || a.ri - b.ri);
    const score = scores ? scores[id]! : 0;
    for (const m of local) out.push({ l: m.l, r: m.r, score });
  }
  out.sort((a, b) => b.score - a.score);
  return out.map((m) => [m.l, m.r] as const);
}

/** Index just past the code point starting at i (surrogate pairs stay whole). */
function nextCut(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? i + 2 : i + 1;
}

/**
 * Scores for a SentencePiece-style GGUF vocabulary built from BPE merges: a token made by a merge scores minus the
 * rank of the first merge that makes it, so llama.cpp's "highest score first" merging follows the merge order;
 * every other token scores below all merges (single code points, bytes and specials never result from a merge).
 */
export function scoresFromMerges(tokens: readonly string[], merges: readonly Merge[], ids: ReadonlyMap<string, number>): Float32Array {
  const floor = -(merges.length + 1);
  const scores = new Float32Array(tokens.length).fill(floor);
  const set = new Uint8Array(tokens.length);
  for (let rank = 0; rank < merges.length; rank++) {
    const [l, r] = merges[rank]!;
    const id = ids.get(l + r);
    if (id === undefined || set[id]) continue;
    scores[id] = -rank;
    set[id] = 1;
  }
  return scores;
}

/** A merges entry of tokenizer.json ("a b" or ["a", "b"]) as a pair (strings split at the first space after index 0). */
export function parseMerge(m: unknown): Merge {
  if (Array.isArray(m)) return [String(m[0]), String(m[1])];
  const s = String(m);
  const at = s.indexOf(" ", 1);
  return [s.slice(0, at), s.slice(at + 1)];
}
