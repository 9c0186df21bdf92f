// Probe texts that tell pre-tokenisers apart and check a converted vocabulary against its source, plus the check.
import type { Tokenizer } from "../types.js";

/**
 * Short texts covering what pre-tokenisers disagree on: digit runs, contractions in both cases, whitespace runs and
 * line ends, punctuation and symbols, several scripts (CJK, Hangul, Arabic, Cyrillic, Greek), accents, emoji.
 */
export const PROBE_TEXTS: readonly string[] = [
  "Hello world! I'm here, you'RE there; it's 12345 and 3.14159 or 1,000,000 and 7.",
  "  leading spaces\n\n\ttabs\r\nand CRLF   trailing   \n",
  "camelCaseWords ALLCAPS lowercase MixedUP \u00dcberstra\u00dfe na\u00efve caf\u00e9 I'LL WE'VE THEY'D",
  "\u4e2d\u6587\u5b57\u7b26\u6d4b\u8bd5 \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8",
  "emoji \ud83e\udd99\ud83d\ude80 and symbols $+<=>^~| `code` {braces} [brackets] (parens) @#%&* a/b\\c",
  "numbers 1 12 123 1234 12345 \u0661\u0662\u0663 \u0be7\u0be8 \u00bd x2y 2x",
  "punctuation... !!! ??? \u2014 \u2013 \u2026 \u00abquotes\u00bb \u2018single\u2019 \u201cdouble\u201d \uff01\uff1f\u3002",
  "<sentinel:12> IMGIMGABZ \t\t\n  \n",
  "\u0645\u0631\u062d\u0628\u0627 \u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440 \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
  "x\u2581\u2581y  \u00a0nbsp\u3000ideographic   ",
  " ",
  "\n",
];

/** Texts (shortened) on which two tokenizers give different ids (no BOS/EOS); empty when they agree. */
export function compareTokenizers(a: Tokenizer, b: Tokenizer, texts: readonly string[] = PROBE_TEXTS): string[] {
  const out: string[] = [];
  const opts = { addBos: false, addEos: false };
  for (const t of texts) {
    const x = a.encode(t, opts), y = b.encode(t, opts);
    if (x.join(",") !== y.join(",")) out.push(`${JSON.stringify(t.slice(0, 40))}: [${x.slice(0, 12).join(" ")}] vs [${y.slice(0, 12).join(" ")}]`);
  }
  return out;
}
