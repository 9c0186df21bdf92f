// Which tokenizer.ggml.pre reproduces a Hugging Face byte-level pre-tokeniser: every llama.cpp pre type splits the
// probe texts and the one whose words (and flags) match is taken, as llama.cpp's converter does by hashing ids.
import { PRE_TOKENIZER_NAMES, preTokenizer, splitWords, type PreTokenizer } from "../pretokenize.js";
import { byteEncode } from "../unicode.js";
import { PROBE_TEXTS } from "./probe.js";

/** Preferred names, tried first among pre types that split alike (the rest follow in llama.cpp's order). */
const PREFERRED = ["gpt-2", "llama-bpe", "qwen2", "default", "starcoder", "falcon", "deepseek-llm", "deepseek-coder", "deepseek-v3",
  "command-r", "stablelm2", "dbrx", "poro-chat", "bloom", "viking", "tekken", "chameleon", "chatglm-bpe"];

export interface PreChoice {
  /** The tokenizer.ggml.pre value. */
  name: string;
  /** False when no pre type split the probe texts like the tokenizer (then "default" is used). */
  matched: boolean;
}

/**
 * The pre type whose split equals `hfWords` (the HF pre-tokeniser's words, byte-level encoded) on every probe text.
 * Among equal splits, the one whose ignore_merges and clean-up flags match wins, then the preferred order.
 */
export function detectPre(hfWords: (text: string) => string[], ignoreMerges: boolean, cleanSpaces: boolean): PreChoice {
  const names = [...PREFERRED, ...PRE_TOKENIZER_NAMES.filter((n) => n !== "" && !PREFERRED.includes(n))];
  const want = PROBE_TEXTS.map((t) => hfWords(t).join("\u0000"));
  const splitsAlike = new Map<string, boolean>();
  let best: { name: string; score: number } | null = null;
  for (const name of names) {
    const p = preTokenizer(name);
    const key = p.regexes.map((r) => r.source).join("\u0000");
    let same = splitsAlike.get(key);
    if (same === undefined) {
      same = PROBE_TEXTS.every((t, i) => splitWords(t, p.regexes).map(byteEncode).join("\u0000") === want[i]);
      splitsAlike.set(key, same);
    }
    if (!same) continue;
    const score = flagScore(p, ignoreMerges, cleanSpaces);
    if (!best || score > best.score) best = { name, score };
  }
  return best ? { name: best.name, matched: true } : { name: "default", matched: false };
}

function flagScore(p: PreTokenizer, ignoreMerges: boolean, cleanSpaces: boolean): number {
  return (p.ignoreMerges === ignoreMerges ? 4 : 0) + (p.noBos ? 0 : 2) + (p.cleanSpaces === cleanSpaces ? 1 : 0);
}
