// Special tokens: parseSpecial on/off, user-defined tokens, strip attributes, BOS/EOS flags, EOG and piece rendering.
import assert from "node:assert/strict";
import { test } from "node:test";
import { missingFixture } from "../helpers/fixtures.js";
import { fixtureTokenizer, VOCAB_DIR } from "./vocab-fixtures.js";

const GPT2 = VOCAB_DIR + "ggml-vocab-gpt-2.gguf";
const PHI3 = VOCAB_DIR + "ggml-vocab-phi-3.gguf";
const MPT = VOCAB_DIR + "ggml-vocab-mpt.gguf";
const STORIES = "models/stories260K/stories260K.gguf";

test("gpt-2: <|endoftext|> in user text stays text unless parseSpecial", (t) => {
  const tok = fixtureTokenizer(GPT2);
  if (!tok) return void t.skip(missingFixture(GPT2));
  const text = "a<|endoftext|>b";
  assert.ok(!tok.encode(text).includes(50256));
  assert.deepEqual(tok.encode("<|endoftext|>"), [27, 91, 437, 1659, 5239, 91, 29]);
  assert.deepEqual(tok.encode(text, { parseSpecial: true }), [64, 50256, 65]);
  assert.equal(tok.decode(tok.encode(text, { parseSpecial: true })), text);
  assert.equal(tok.decode(tok.encode(text, { parseSpecial: true }), { skipSpecial: true }), "ab");
});

test("gpt-2: flags, BOS/EOS and end-of-generation ids as llama.cpp", (t) => {
  const tok = fixtureTokenizer(GPT2);
  if (!tok) return void t.skip(missingFixture(GPT2));
  assert.equal(tok.vocabSize, 50257);
  assert.equal(tok.addBos, false);
  assert.equal(tok.addEos, false);
  assert.equal(tok.bos, 50256);
  assert.equal(tok.eos, 50256);
  assert.equal(tok.eot, 50256);
  assert.deepEqual(tok.encode("Hello world"), [15496, 995]);
  assert.deepEqual(tok.encode("Hello world", { addBos: true, addEos: true }), [50256, 15496, 995, 50256]);
  assert.ok(tok.isEog(50256) && tok.isSpecial(50256));
  assert.ok(!tok.isEog(995) && !tok.isSpecial(995));
  assert.equal(tok.tokenToPiece(50256), "<|endoftext|>");
  assert.equal(tok.tokenToPiece(995), " world");
});

test("SPM (stories260K): <s> and </s> in user text stay text unless parseSpecial; BOS added by default", (t) => {
  const tok = fixtureTokenizer(STORIES);
  if (!tok) return void t.skip(missingFixture(STORIES));
  assert.equal(tok.addBos, true);
  assert.equal(tok.bos, 1);
  assert.equal(tok.eos, 2);
  const plain = tok.encode("<s>Hello</s> world");
  assert.equal(plain[0], 1); // the BOS the vocabulary asks for ...
  assert.ok(!plain.slice(1).includes(1) && !plain.includes(2)); // ... but no special id from the text
  const parsed = tok.encode("<s>Hello</s> world", { addBos: false, parseSpecial: true });
  assert.equal(parsed[0], 1);
  assert.ok(parsed.includes(2));
  assert.equal(tok.decode(parsed), "<s>Hello</s> world");
  assert.equal(tok.decode(parsed, { skipSpecial: true }), "Hello world");
  assert.deepEqual(tok.encode("", { addBos: false }), []);
  assert.deepEqual(tok.encode(""), [1]);
  assert.deepEqual(tok.encode("Hi", { addEos: true }).at(-1), 2);
  assert.ok(tok.isEog(2) && !tok.isEog(1));
});

test("phi-3: control tokens need parseSpecial, user-defined </s> always matches, specials strip following spaces", (t) => {
  const tok = fixtureTokenizer(PHI3);
  if (!tok) return void t.skip(missingFixture(PHI3));
  assert.ok(!tok.encode("<|user|>Hi", { addBos: false }).includes(32010));
  const withSpaces = tok.encode("<|user|>  \nHi", { addBos: false, parseSpecial: true });
  assert.deepEqual(withSpaces, [32010, ...tok.encode("Hi", { addBos: false })]);
  // "</s>" is a user-defined token in this vocabulary: llama.cpp (and HF) split it out even without parseSpecial
  assert.deepEqual(tok.encode("a</s>", { addBos: false }), [263, 2]);
  assert.equal(tok.eos, 32000);
  assert.equal(tok.eot, 32007);
  for (const id of [32000, 32007]) assert.ok(tok.isEog(id));
  assert.ok(tok.isSpecial(32010) && tok.isSpecial(0) && !tok.isSpecial(2));
});

test("mpt: user-defined whitespace tokens are matched longest first without parseSpecial", (t) => {
  const tok = fixtureTokenizer(MPT);
  if (!tok) return void t.skip(missingFixture(MPT));
  const spaces = (n: number) => tok.tokenId(" ".repeat(n))!;
  assert.deepEqual(tok.encode("a     b").slice(1, -1), [spaces(5)]);
  assert.equal(tok.decode(tok.encode("x" + " ".repeat(30) + "y")), "x" + " ".repeat(30) + "y");
});
