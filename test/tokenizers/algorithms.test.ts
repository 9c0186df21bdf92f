// SPM, BPE and WordPiece on small synthetic vocabularies, and the pre-tokeniser splits of each pre type.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PRE_TOKENIZER_NAMES, preTokenizer, splitWords, tokenizerFromGguf } from "../../src/tokenizers/index.js";
import { BYTE_CHARS } from "../../src/tokenizers/unicode.js";

const byteTokens = () => Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);

function spmVocab(pieces: [string, number][], withBytes = true): Map<string, unknown> {
  const tokens = ["<unk>", "<s>", "</s>", ...(withBytes ? byteTokens() : []), ...pieces.map((p) => p[0])];
  const types = [2, 3, 3, ...(withBytes ? new Array(256).fill(6) : []), ...pieces.map(() => 1)];
  const scores = [0, 0, 0, ...(withBytes ? new Array(256).fill(0) : []), ...pieces.map((p) => p[1])];
  return new Map<string, unknown>([
    ["tokenizer.ggml.model", "llama"], ["tokenizer.ggml.tokens", tokens],
    ["tokenizer.ggml.scores", Float32Array.from(scores)], ["tokenizer.ggml.token_type", Int32Array.from(types)],
  ]);
}

const texts = (tok: ReturnType<typeof tokenizerFromGguf>, ids: number[]) => ids.map((id) => tok.tokenText(id));

test("SPM merges the best-scoring pair first, ties to the leftmost pair", () => {
  const base: [string, number][] = [["▁", -1], ["a", -1], ["b", -1], ["c", -1], ["▁ab", -2.5], ["abc", -3]];
  const bcFirst = tokenizerFromGguf(spmVocab([...base, ["ab", -2], ["bc", -1]]));
  assert.deepEqual(texts(bcFirst, bcFirst.encode("abc", { addBos: false })), ["▁", "abc"]);
  const abFirst = tokenizerFromGguf(spmVocab([...base, ["ab", -1], ["bc", -2]]));
  assert.deepEqual(texts(abFirst, abFirst.encode("abc", { addBos: false })), ["▁ab", "c"]);
  const tie = tokenizerFromGguf(spmVocab([["▁", -1], ["a", -1], ["b", -1], ["ab", -1], ["ba", -1]]));
  assert.deepEqual(texts(tie, tie.encode("aba", { addBos: false })), ["▁", "ab", "a"]);
});

test("SPM falls back to <0xNN> byte tokens, or to <unk> when the vocabulary has none", () => {
  const withBytes = tokenizerFromGguf(spmVocab([["▁", -1], ["a", -1]]));
  assert.deepEqual(texts(withBytes, withBytes.encode("aé", { addBos: false })), ["▁", "a", "<0xC3>", "<0xA9>"]);
  assert.equal(withBytes.decode(withBytes.encode("aé"), { skipSpecial: true }), "aé");
  const noBytes = tokenizerFromGguf(spmVocab([["▁", -1], ["a", -1]], false));
  assert.deepEqual(noBytes.encode("aé", { addBos: false }), [3, 4, 0, 0]);
});

test("SPM add_space_prefix = false leaves the text unprefixed", () => {
  const m = spmVocab([["▁", -1], ["a", -1], ["▁a", -0.5]]);
  m.set("tokenizer.ggml.add_space_prefix", false);
  const tok = tokenizerFromGguf(m);
  assert.deepEqual(texts(tok, tok.encode("a a", { addBos: false })), ["a", "▁a"]);
});

function bpeVocab(words: string[], merges: string[], pre = "gpt-2"): Map<string, unknown> {
  const tokens = [...BYTE_CHARS, ...words];
  return new Map<string, unknown>([
    ["tokenizer.ggml.model", "gpt2"], ["tokenizer.ggml.pre", pre], ["tokenizer.ggml.tokens", tokens],
    ["tokenizer.ggml.token_type", new Int32Array(tokens.length).fill(1)], ["tokenizer.ggml.merges", merges],
  ]);
}

test("BPE applies merges by rank, first occurrence of a pair wins", () => {
  const a = tokenizerFromGguf(bpeVocab(["ab", "bc", "abc"], ["a b", "b c", "ab c"]));
  assert.deepEqual(texts(a, a.encode("abc")), ["abc"]);
  const b = tokenizerFromGguf(bpeVocab(["ab", "bc", "abc"], ["b c", "a b", "ab c", "a bc"]));
  assert.deepEqual(texts(b, b.encode("abc")), ["abc"]);
  const c = tokenizerFromGguf(bpeVocab(["ab", "bc"], ["b c", "a b"]));
  assert.deepEqual(texts(c, c.encode("abc")), ["a", "bc"]);
  const d = tokenizerFromGguf(bpeVocab(["ab", "bc"], ["a b", "b c", "b c"]));
  assert.deepEqual(texts(d, d.encode("abcabc")), ["ab", "c", "ab", "c"]);
  assert.deepEqual(texts(d, d.encode("é")), ["Ã", "©"]);
});

test("BPE llama3-style ignore_merges takes a whole word that is a token", () => {
  const plain = tokenizerFromGguf(bpeVocab(["ab", "abc"], ["a b"], "gpt-2"));
  assert.deepEqual(texts(plain, plain.encode("abc")), ["ab", "c"]);
  const llama3 = tokenizerFromGguf(bpeVocab(["ab", "abc"], ["a b"], "llama-bpe"));
  assert.equal(llama3.addBos, true);
  assert.deepEqual(texts(llama3, llama3.encode("abc", { addBos: false })), ["abc"]);
});

const SAMPLE = "I'm 12345 ok!!\n\n  hi";
const SPLITS: [string, string[]][] = [
  ["llama-bpe", ["I", "'m", " ", "123", "45", " ok", "!!\n\n", " ", " hi"]],
  ["qwen2", ["I", "'m", " ", "1", "2", "3", "4", "5", " ok", "!!\n\n", " ", " hi"]],
  ["gpt-2", ["I", "'m", " 12345", " ok", "!!", "\n\n ", " hi"]],
  ["falcon", ["I", "'", "m", " ", "123", "45", " ok", "!!", "\n\n ", " hi"]],
  ["default", ["I", "'", "m", " ", "123", "45", " ok", "!!", "\n\n ", " hi"]],
  ["starcoder", ["I", "'m", " ", "1", "2", "3", "4", "5", " ok", "!!", "\n\n ", " hi"]],
];

for (const [pre, expected] of SPLITS) {
  test(`pre-tokenizer ${pre} splits like llama.cpp`, () => {
    assert.deepEqual(splitWords(SAMPLE, preTokenizer(pre).regexes), expected);
  });
}

test("pre-tokenizers use Unicode letters, numbers and llama.cpp's whitespace set", () => {
  const llama3 = preTokenizer("llama3").regexes;
  assert.deepEqual(splitWords("Ünïcödé 一二三 ١٢٣٤", llama3), ["Ünïcödé", " 一二三", " ", "١٢٣", "٤"]);
  const gpt2 = preTokenizer("gpt-2").regexes;
  assert.deepEqual(splitWords("a\u3000\u3000b", gpt2), ["a", "\u3000", "\u3000", "b"]);
  assert.deepEqual(splitWords("a\u0085\u0085b", gpt2), ["a", "\u0085", "\u0085", "b"]); // NEL is whitespace
  assert.deepEqual(splitWords("\uFEFF\uFEFFx", gpt2), ["\uFEFF\uFEFF", "x"]); // BOM is not
});

test("every known pre type compiles and splits losslessly", () => {
  const text = "Hello, World! It's 2024-06-01: 3.14159 ≈ π; ¿qué tal? 你好，世界。 😀\r\n\t  end  ";
  for (const name of PRE_TOKENIZER_NAMES) {
    const words = splitWords(text, preTokenizer(name).regexes);
    assert.equal(words.join(""), text, name);
    assert.ok(words.every((w) => w.length > 0), name);
  }
});
