// Semantic checks of a parsed GGUF model: architecture, vocabulary arrays, special-token ids, block count vs tensors.
import { FormatError } from "../../util/errors.js";
import { getOptionalInteger, getOptionalNumberArray, getOptionalStringArray, getString } from "./getters.js";
import type { GgufFile, GgufValue } from "./types.js";

const SPECIAL_TOKEN_KEY = /^tokenizer\.ggml\.[a-z0-9_]+_token_id$/;
const BLOCK_TENSOR = /^blk\.(\d+)\./;

/** llama.cpp writes u32 0xFFFFFFFF or -1 (and u64 -1) for "no such token". */
function isNoToken(v: GgufValue): boolean {
  return v === 4294967295 || v === -1 || v === (1n << 64n) - 1n;
}

function checkVocab(g: GgufFile): void {
  const tokens = getOptionalStringArray(g, "tokenizer.ggml.tokens");
  const nVocab = tokens?.length;
  for (const key of ["tokenizer.ggml.scores", "tokenizer.ggml.token_type"]) {
    const arr = getOptionalNumberArray(g, key);
    if (arr && nVocab !== undefined && arr.length !== nVocab) {
      throw new FormatError("gguf", `${key} has ${arr.length} entries but tokenizer.ggml.tokens has ${nVocab}`);
    }
  }
  for (const [key, v] of g.metadata) {
    if (!SPECIAL_TOKEN_KEY.test(key) || isNoToken(v)) continue;
    const id = getOptionalInteger(g, key)!;
    if (id < 0) throw new FormatError("gguf", `${key} = ${id} is negative`);
    if (nVocab !== undefined && id >= nVocab) {
      throw new FormatError("gguf", `${key} = ${id} but the vocabulary (tokenizer.ggml.tokens) has ${nVocab} tokens`);
    }
  }
}

function checkBlockCount(g: GgufFile, arch: string): void {
  if (g.tensors.length === 0) return; // vocab-only file
  const key = `${arch}.block_count`;
  let maxBlock = -1;
  for (const t of g.tensors) {
    const m = BLOCK_TENSOR.exec(t.name);
    if (m) maxBlock = Math.max(maxBlock, Number(m[1]));
  }
  const count = getOptionalInteger(g, key);
  if (count === undefined) {
    if (maxBlock >= 0) throw new FormatError("gguf", `${key} is missing but the file has tensors up to blk.${maxBlock}`);
    return;
  }
  if (count !== maxBlock + 1) {
    const seen = maxBlock >= 0 ? `the highest block tensor is blk.${maxBlock} (${maxBlock + 1} blocks)` : "there are no blk.* tensors";
    throw new FormatError("gguf", `${key} is ${count} but ${seen}`);
  }
}

/**
 * Semantic checks beyond the byte layout: general.architecture is a string; tokenizer.ggml.scores/token_type match
 * the vocabulary size; every special-token id (tokenizer.ggml.*_token_id; 4294967295 and -1 mean none) is below it;
 * `<arch>.block_count` equals the highest blk.N tensor index + 1 (skipped for files without tensors).
 */
export function validateGgufModel(g: GgufFile): void {
  const arch = getString(g, "general.architecture");
  checkVocab(g);
  checkBlockCount(g, arch);
}
