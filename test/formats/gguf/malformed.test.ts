// One crafted GGUF file per failure class: each must give a FormatError whose message names the field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseGguf } from "../../../src/formats/gguf/index.js";
import { FormatError } from "../../../src/util/errors.js";
import { baseKvs, baseTensors, Bytes, craft, kvI32, kvStr, kvStrArray, kvU32, kvU64, T, type TI } from "./craft.js";

const bad = new Uint8Array([0x61, 0xff, 0xfe, 0x62]); // "a", invalid UTF-8, "b"
const withKv = (...extra: ReturnType<typeof kvStr>[]) => craft({ kvs: [...baseKvs(), ...extra] });
const withTensors = (tensors: TI[], dataBytes = 96, more: object = {}) => craft({ tensors, dataBytes, ...more });
const f32 = (name: string, dims: (number | bigint)[], offset: number | bigint, type = 0): TI => ({ name, dims, type, offset });
const header = new Bytes().u32(0x46554747).u32(3);

const CASES: [string, Uint8Array, string][] = [
  ["empty file", new Uint8Array(0), "too short for the GGUF magic"],
  ["bad magic", craft({ magic: 0x46554746 }), "bad magic 0x46554746"],
  ["version 0", craft({ version: 0 }), "version 0 is invalid"],
  ["version 1", craft({ version: 1 }), "version 1 is not supported"],
  ["version 4", craft({ version: 4 }), "version 4 is not supported"],
  ["byte-swapped v3", craft({ version: 0x03000000 }), "byte-swapped (big-endian) GGUF is not supported"],
  ["byte-swapped v2", craft({ version: 0x02000000 }), "byte-swapped (big-endian) GGUF is not supported"],
  ["truncated after version", header.build(), "tensor count needs 8 bytes"],
  ["tensor count beyond bytes", craft({ tensorCount: 1_000_000 }), "tensor count is 1000000 but only"],
  ["tensor count negative", craft({ tensorCount: -1n }), "tensor count is 18446744073709551615 (negative"],
  ["key count beyond bytes", craft({ kvCount: 100_000 }), "metadata key count is 100000 but only"],
  ["key count above 2^53", craft({ kvCount: 1n << 60n }), "metadata key count is 1152921504606846976, above 2^53"],
  ["counts together beyond bytes", craft({ tensorCount: 5, kvCount: 20 }), "tensor count 5 and metadata key count 20 need more"],
  ["key length beyond bytes", craft({ kvs: [{ ...kvU32("k", 1), keyLen: 5000 }] }), "metadata key #0 needs 5000 bytes"],
  ["key length above 2^53", craft({ kvs: [{ ...kvU32("k", 1), keyLen: 1n << 62n }] }), "metadata key #0 length is 4611686018427387904, above 2^53"],
  ["string value beyond bytes", withKv(kvStr("general.name", "x", 1 << 20)), "key 'general.name' needs 1048576 bytes"],
  ["array count beyond bytes", withKv(kvStrArray("tokenizer.ggml.tokens", ["a"], 1_000_000)), "key 'tokenizer.ggml.tokens' array count is 1000000"],
  ["array count above 2^53", withKv({ key: "x", type: T.array, value: (b) => b.u32(T.u8).u64(1n << 58n) }), "key 'x' array count is 288230376151711744, above 2^53"],
  ["array item length beyond bytes", withKv({ key: "tokenizer.ggml.tokens", type: T.array, value: (b) => b.u32(T.string).u64(2).str("a").u64(5000).raw([98]) }), "key 'tokenizer.ggml.tokens' item 1 needs 5000 bytes"],
  ["array item length above 2^53", withKv({ key: "tokenizer.ggml.tokens", type: T.array, value: (b) => b.u32(T.string).u64(2).str("a").u64(-2n).raw([98]) }), "key 'tokenizer.ggml.tokens' item 1 length is 18446744073709551614 (negative"],
  ["empty key", withKv(kvU32("", 7)), "metadata key #2 is empty"],
  ["duplicate key", withKv(kvU32("llama.block_count", 1)), "metadata key 'llama.block_count' appears twice"],
  ["duplicate key with control characters (quoted in the message)", withKv(kvU32("a\nb", 1), kvU32("a\nb", 2)), 'metadata key "a\\nb" appears twice'],
  ["unknown value type", withKv({ key: "x.y", type: 13, value: (b) => b.u32(0) }), "key 'x.y' value type is 13, not a known GGUF value type"],
  ["unknown array item type", withKv({ key: "x.y", type: T.array, value: (b) => b.u32(99).u64(0) }), "key 'x.y' array item type is 99"],
  ["nested arrays", withKv({ key: "x.y", type: T.array, value: (b) => b.u32(T.array).u64(1).u32(T.u8).u64(1).u8(1) }), "key 'x.y' is an array of arrays"],
  ["bool stored as 2", withKv({ key: "x.b", type: T.bool, value: (b) => b.u8(2) }), "key 'x.b' is a bool stored as 2"],
  ["alignment not a power of two", withKv(kvU32("general.alignment", 48)), "general.alignment 48 is not a power of two"],
  ["alignment zero", withKv(kvU32("general.alignment", 0)), "general.alignment 0 is not a power of two"],
  ["alignment as u64", withKv(kvU64("general.alignment", 32)), "general.alignment must be a u32 but is u64"],
  ["alignment as i32", withKv(kvI32("general.alignment", 32)), "general.alignment must be a u32 but is i32"],
  ["alignment as string", withKv(kvStr("general.alignment", "32")), "general.alignment must be a u32 but is string"],
  ["invalid UTF-8 key", craft({ kvs: [kvU32("x", 1)].map((kv) => ({ ...kv, key: bad })) }), "metadata key #0 is not valid UTF-8"],
  ["invalid UTF-8 string value", withKv(kvStr("general.name", bad)), "key 'general.name' is not valid UTF-8"],
  ["invalid UTF-8 array item", withKv(kvStrArray("tokenizer.ggml.tokens", ["ok", bad])), "key 'tokenizer.ggml.tokens' item 1 is not valid UTF-8"],
  ["invalid UTF-8 tensor name", withTensors([{ ...f32("x", [4], 0), name: bad }], 32), "tensor #0 name is not valid UTF-8"],
  ["duplicate tensor names", withTensors([f32("w", [4], 0), f32("w", [16], 32)]), "tensor name 'w' appears twice"],
  ["tensor name of 64 bytes", withTensors([f32("n".repeat(64), [4], 0)], 32), "tensor #0 name is 64 bytes; ggml allows at most 63"],
  ["tensor name length beyond bytes", withTensors([{ ...f32("w", [4], 0), nameLen: 40 }], 0, { truncate: indexOf(withTensors([f32("w", [4], 0)], 0), "w") + 20 }), "tensor #0 name needs 40 bytes"],
  ["tensor name length above 2^53", withTensors([{ ...f32("w", [4], 0), nameLen: 1n << 60n }], 32), "tensor #0 name length is 1152921504606846976, above 2^53"],
  ["5 dimensions", withTensors([f32("w", [1, 1, 1, 1, 1], 0)], 32), "tensor 'w' has 5 dimensions; at most 4"],
  ["n_dims huge", withTensors([{ ...f32("w", [4], 0), nDims: 0x80000000 }], 32), "tensor 'w' has 2147483648 dimensions"],
  ["negative dimension", withTensors([f32("w", [4, -1n], 0)], 32), "tensor 'w' dimension 1 is 18446744073709551615 (negative"],
  ["dimension above 2^53", withTensors([f32("w", [(1n << 53n) + 1n], 0)], 32), "tensor 'w' dimension 0 is 9007199254740993, above 2^53"],
  ["element count overflow", withTensors([f32("w", [1 << 30, 1 << 30, 1 << 30], 0)], 32), "tensor 'w' element count overflows 2^53 at dimension 1 (1073741824)"],
  ["tensor bytes beyond file", withTensors([f32("w", [1 << 20, 1 << 10], 0)], 32), "tensor 'w' [1048576, 1024] F32 needs 4294967296 bytes but the file is only"],
  ["unknown tensor type", withTensors([f32("w", [32], 0, 4)], 32), "tensor 'w' has unknown ggml type id 4"],
  ["row not a multiple of the block size", withTensors([f32("w", [33, 2], 0, 8)], 96), "tensor 'w' first dimension 33 is not a multiple of Q8_0's block size 32"],
  ["offset above 2^53", withTensors([f32("w", [4], 1n << 54n)], 32), "tensor 'w' offset is 18014398509481984, above 2^53"],
  ["offsets overlap", withTensors([f32("a", [4], 0), f32("b", [16], 0)]), "tensor 'b' offset 0 overlaps tensor 'a'"],
  ["offsets overlap inside", withTensors([f32("a", [16], 0), f32("b", [8], 32)]), "tensor 'b' offset 32 overlaps tensor 'a', which ends at 64"],
  ["offset not aligned", withTensors([f32("a", [4], 0), f32("b", [16], 16)]), "tensor 'b' offset 16 is not a multiple of the alignment 32"],
  ["gap between tensors", withTensors([f32("a", [4], 0), f32("b", [16], 64)], 128), "tensor 'b' offset 64 leaves a gap of 32 bytes after tensor 'a' padded to 32"],
  ["gap at the start", withTensors([f32("a", [4], 32), f32("b", [16], 64)], 128), "tensor 'a' offset 32 leaves a gap of 32 bytes after the start of the data section"],
  ["tensor runs past the end", craft({ dataBytes: 0 }), "tensor 'blk.0.a' ends at byte"],
  ["data one byte short", craft({ dataBytes: 95 }), "tensor 'blk.0.b' ends at byte"],
  ["truncated in tensor infos", craft({ truncate: indexOf(craft(), "blk.0.b") + 7 + 4 + 8 + 3 }), "tensor 'blk.0.b' dimension 1 needs 8 bytes"],
  ["truncated in metadata", craft({ tensors: [], truncate: 66 }), "key 'general.architecture' needs 5 bytes"],
];

/** Index of the first occurrence of ASCII `needle` in `hay`. */
function indexOf(hay: Uint8Array, needle: string): number {
  return Buffer.from(hay).indexOf(needle);
}

for (const [name, bytes, expected] of CASES) {
  test(`gguf refuses: ${name}`, () => {
    assert.throws(
      () => parseGguf(bytes),
      (e: unknown) => {
        assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
        assert.ok(e.message.startsWith("[gguf] "), e.message);
        assert.ok(e.message.includes(expected), `message "${e.message}" lacks "${expected}"`);
        return true;
      },
    );
  });
}

test("gguf crafted base file parses, and so do valid variants", () => {
  const g = parseGguf(craft());
  assert.deepEqual(g.tensors.map((t) => [t.name, t.shape, t.offset - g.dataOffset, t.nbytes]), [
    ["blk.0.a", [4], 0, 16],
    ["blk.0.b", [8, 2], 32, 64],
  ]);
  assert.equal(parseGguf(craft({ version: 2 })).version, 2);
  const swapped = parseGguf(withTensors([{ ...baseTensors()[1]!, offset: 0 }, { ...baseTensors()[0]!, offset: 64 }], 96));
  assert.deepEqual(swapped.tensors.map((t) => t.name), ["blk.0.b", "blk.0.a"], "tensor-info order kept; offsets may be in any order");
  const zeroDims = parseGguf(withTensors([f32("s", [], 0), f32("e", [0, 3], 32)], 32));
  assert.deepEqual(zeroDims.tensors.map((t) => t.nbytes), [4, 0]);
  const big = parseGguf(craft({ kvs: [...baseKvs(), kvU32("general.alignment", 64)], alignment: 64,
    tensors: [f32("a", [4], 0), f32("b", [16], 64)], dataBytes: 128 }));
  assert.equal(big.alignment, 64);
  assert.equal(big.dataOffset % 64, 0);
});

test("gguf crafted table covers every failure class once", () => {
  assert.equal(new Set(CASES.map((c) => c[0])).size, CASES.length);
});
