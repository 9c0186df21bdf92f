// validateGgufModel (special-token ids vs vocabulary, block count vs tensors) and the typed metadata getters.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  GgufToWrite, GgufValue, getBoolean, getInteger, getNumber, getNumberArray, getOptionalNumber, getOptionalString,
  getString, getStringArray, parseGguf, serializeGguf, validateGgufModel,
} from "../../../src/formats/gguf/index.js";
import { FormatError } from "../../../src/util/errors.js";
import { sampleGguf } from "./samples.js";

/** The sample file with some metadata changed (undefined deletes) and optionally other tensors. */
function variant(changes: Record<string, GgufValue | undefined>, tensors?: GgufToWrite["tensors"]) {
  const g = sampleGguf();
  const metadata = new Map(g.metadata);
  const metadataTypes = new Map(g.metadataTypes);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) metadata.delete(k);
    else metadata.set(k, v);
    metadataTypes.delete(k);
  }
  return parseGguf(serializeGguf({ metadata, metadataTypes, tensors: tensors ?? g.tensors }));
}

function refuses(changes: Record<string, GgufValue | undefined>, expected: string, tensors?: GgufToWrite["tensors"]): void {
  const g = variant(changes, tensors);
  assert.throws(() => validateGgufModel(g), (e: unknown) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.ok(e.message.includes(expected), `"${e.message}" lacks "${expected}"`);
    return true;
  });
}

test("gguf validate: the sample model passes; 'none' token ids (4294967295, -1) count as absent", () => {
  validateGgufModel(variant({}));
  validateGgufModel(variant({ "tokenizer.ggml.eos_token_id": -1, "tokenizer.ggml.unknown_token_id": 4294967295 }));
});

test("gguf validate: special-token ids at or beyond the vocabulary size", () => {
  const keys = ["bos", "eos", "unknown", "seperator", "padding", "cls", "mask", "eot", "fim_pre"];
  for (const k of keys) {
    const key = `tokenizer.ggml.${k}_token_id`;
    refuses({ [key]: 11 }, `${key} = 11 but the vocabulary (tokenizer.ggml.tokens) has 11 tokens`);
  }
  refuses({ "tokenizer.ggml.bos_token_id": -2 }, "tokenizer.ggml.bos_token_id = -2 is negative");
  refuses({ "tokenizer.ggml.bos_token_id": "1" }, "tokenizer.ggml.bos_token_id' must be a number");
  refuses({ "tokenizer.ggml.bos_token_id": 1.5 }, "tokenizer.ggml.bos_token_id' must be an integer");
});

test("gguf validate: vocabulary arrays of different lengths", () => {
  refuses({ "tokenizer.ggml.scores": new Float32Array(3) }, "tokenizer.ggml.scores has 3 entries but tokenizer.ggml.tokens has 11");
  refuses({ "tokenizer.ggml.token_type": new Int32Array(12) }, "tokenizer.ggml.token_type has 12 entries");
  refuses({ "tokenizer.ggml.tokens": [1, 2] }, "tokenizer.ggml.tokens' must be an array of strings");
});

test("gguf validate: <arch>.block_count must match the blk.N tensors", () => {
  refuses({ "llama.block_count": 3 }, "llama.block_count is 3 but the highest block tensor is blk.1 (2 blocks)");
  refuses({ "llama.block_count": 1 }, "llama.block_count is 1 but the highest block tensor is blk.1");
  refuses({ "llama.block_count": undefined }, "llama.block_count is missing but the file has tensors up to blk.1");
  const noBlocks = sampleGguf().tensors.filter((t) => !t.name.startsWith("blk."));
  refuses({}, "llama.block_count is 2 but there are no blk.* tensors", noBlocks);
  refuses({ "general.architecture": undefined }, "metadata key 'general.architecture' is missing");
  validateGgufModel(variant({ "llama.block_count": 7 }, [])); // vocab-only files skip the block check
});

test("gguf getters return typed values and name the key on errors", () => {
  const g = variant({});
  assert.equal(getString(g, "general.architecture"), "llama");
  assert.equal(getNumber(g, "llama.block_count"), 2);
  assert.equal(getInteger(g, "llama.embedding_length"), 8);
  assert.equal(getBoolean(g, "tokenizer.ggml.add_bos_token"), true);
  assert.equal(getStringArray(g, "tokenizer.ggml.tokens").length, 11);
  assert.equal(getNumberArray(g, "tokenizer.ggml.scores").length, 11);
  assert.deepEqual(Array.from(getNumberArray(g, "x.smallarr")), [1, 2]);
  assert.equal(getOptionalNumber(g, "nope"), undefined);
  assert.equal(getOptionalString(g, "nope"), undefined);
  const cases: [() => unknown, string][] = [
    [() => getString(g, "nope"), "metadata key 'nope' is missing"],
    [() => getString(g, "llama.block_count"), "metadata key 'llama.block_count' must be a string but is number 2"],
    [() => getNumber(g, "general.name"), "metadata key 'general.name' must be a number"],
    [() => getNumber(g, "x.u64big"), "metadata key 'x.u64big' = 1152921504606846977 is too large for a number"],
    [() => getInteger(g, "llama.attention.layer_norm_rms_epsilon"), "must be an integer"],
    [() => getBoolean(g, "general.name"), "must be a boolean"],
    [() => getStringArray(g, "tokenizer.ggml.scores"), "must be an array of strings but is array of 11"],
    [() => getNumberArray(g, "x.bigarr"), "'x.bigarr' must be an array of numbers"],
    [() => getNumberArray(g, "tokenizer.ggml.tokens"), "must be an array of numbers"],
  ];
  for (const [f, msg] of cases) {
    assert.throws(f, (e: unknown) => e instanceof FormatError && e.message.includes(msg), msg);
  }
});
