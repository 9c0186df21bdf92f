// Unsupported tokenizer models and malformed tokenizer metadata give typed errors that name the offending values.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tokenizerFromGguf } from "../../src/tokenizers/index.js";
import { FormatError, UnsupportedError, ValueError } from "../../src/util/errors.js";
import { missingFixture } from "../helpers/fixtures.js";
import { fixtureMetadata, VOCAB_DIR } from "./vocab-fixtures.js";

const meta = (entries: [string, unknown][]) => new Map<string, unknown>(entries);
const tokens = ["<unk>", "a", "b"];

test("unsupported tokenizer models throw UnsupportedError naming the model", () => {
  for (const model of ["t5", "rwkv", "no_vocab", "mystery"]) {
    assert.throws(
      () => tokenizerFromGguf(meta([["tokenizer.ggml.model", model], ["tokenizer.ggml.tokens", tokens]])),
      (e: unknown) => e instanceof UnsupportedError && e.message.includes(`'${model}'`),
    );
  }
});

test("a real vocabulary relabelled as t5 / with an unknown pre-tokenizer is refused", (t) => {
  const m = fixtureMetadata(VOCAB_DIR + "ggml-vocab-gpt-2.gguf");
  if (!m) return void t.skip(missingFixture(VOCAB_DIR + "ggml-vocab-gpt-2.gguf"));
  assert.throws(() => tokenizerFromGguf(new Map([...m, ["tokenizer.ggml.model", "t5"]])), UnsupportedError);
  assert.throws(
    () => tokenizerFromGguf(new Map([...m, ["tokenizer.ggml.pre", "gpt-17"]])),
    (e: unknown) => e instanceof UnsupportedError && /unknown pre-tokenizer type 'gpt-17'/.test(e.message),
  );
});

test("malformed tokenizer metadata throws FormatError", () => {
  const cases: [string, [string, unknown][]][] = [
    ["no model", [["tokenizer.ggml.tokens", tokens]]],
    ["no tokens", [["tokenizer.ggml.model", "llama"]]],
    ["model not a string", [["tokenizer.ggml.model", 3], ["tokenizer.ggml.tokens", tokens]]],
    ["tokens not strings", [["tokenizer.ggml.model", "llama"], ["tokenizer.ggml.tokens", ["a", 2]]]],
    ["scores too short", [["tokenizer.ggml.model", "llama"], ["tokenizer.ggml.tokens", tokens],
      ["tokenizer.ggml.scores", new Float32Array(2)]]],
    ["token_type not numbers", [["tokenizer.ggml.model", "llama"], ["tokenizer.ggml.tokens", tokens],
      ["tokenizer.ggml.token_type", "1,1,1"]]],
    ["gpt2 without merges", [["tokenizer.ggml.model", "gpt2"], ["tokenizer.ggml.tokens", tokens]]],
  ];
  for (const [name, entries] of cases) {
    assert.throws(() => tokenizerFromGguf(meta(entries)), FormatError, name);
  }
});

test("special ids: 4294967295 / -1 mean none, out-of-range ids keep llama.cpp's default", () => {
  const base: [string, unknown][] = [["tokenizer.ggml.model", "llama"], ["tokenizer.ggml.tokens", [...tokens, "▁a"]]];
  const none = tokenizerFromGguf(meta([...base, ["tokenizer.ggml.bos_token_id", 4294967295], ["tokenizer.ggml.eos_token_id", -1]]));
  assert.equal(none.bos, null);
  assert.equal(none.eos, null);
  assert.deepEqual(none.encode("a"), [3]); // no BOS to add
  const far = tokenizerFromGguf(meta([...base, ["tokenizer.ggml.bos_token_id", 77n]]));
  assert.equal(far.bos, 1);
});

test("ids outside the vocabulary are refused by decode and tokenToPiece", () => {
  const tok = tokenizerFromGguf(meta([["tokenizer.ggml.model", "llama"], ["tokenizer.ggml.tokens", tokens]]));
  assert.throws(() => tok.decode([1, 3]), ValueError);
  assert.throws(() => tok.tokenToPiece(-1), ValueError);
  assert.throws(() => tok.tokenToPiece(1.5), ValueError);
  assert.equal(tok.isSpecial(99), false);
});
