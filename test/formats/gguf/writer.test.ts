// GGUF writer: type inference, faithful round trips, alignment, refusals of bad input, atomic file writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GgufToWrite, GgufValue, inferValueType, parseGguf, readGgufFile, serializeGguf, writeGgufFile,
} from "../../../src/formats/gguf/index.js";
import { ArgumentError } from "../../../src/util/errors.js";
import { sampleGguf, toWrite } from "./samples.js";

test("gguf writer infers value types", () => {
  const cases: [GgufValue, string, string?][] = [
    [7, "u32"], [-7, "i32"], [2 ** 40, "u64"], [-(2 ** 40), "i64"], [0.5, "f32"], [5n, "u64"], [-5n, "i64"],
    ["s", "string"], [true, "bool"], [["a", "b"], "array", "string"], [new Float32Array(2), "array", "f32"],
    [new Int32Array(2), "array", "i32"], [new Uint8Array(2), "array", "u8"], [[1, 2, -3], "array", "i32"],
    [[1, 2.5], "array", "f32"], [[1, 2 ** 40], "array", "i64"], [[true, false], "array", "bool"], [[1n, 2n], "array", "u64"],
  ];
  for (const [v, type, itemType] of cases) {
    assert.deepEqual(inferValueType("k", v), itemType ? { type, itemType } : { type }, `value ${String(v)}`);
  }
  assert.throws(() => inferValueType("k", []), /key 'k' is an empty array: give its type in metadataTypes/);
  assert.throws(() => inferValueType("k", [1, "a"]), /mixing number, string/);
  assert.throws(() => inferValueType("k", [[1]] as GgufValue), /nested arrays are not supported/);
});

test("gguf writer output parses back to the same metadata, types and tensor bytes, and re-serialises identically", () => {
  const g = sampleGguf();
  const bytes = serializeGguf(g);
  const p = parseGguf(bytes);
  assert.equal(p.version, 3);
  assert.equal(p.alignment, 32);
  assert.deepEqual([...p.metadata.keys()], [...g.metadata.keys()]);
  for (const [k, v] of g.metadata) {
    const got = p.metadata.get(k);
    if (ArrayBuffer.isView(v) || typeof v !== "object") assert.deepEqual(got, v, k);
    else assert.deepEqual(Array.from(got as ArrayLike<unknown>), Array.from(v as ArrayLike<unknown>), k);
  }
  assert.deepEqual(p.metadataTypes.get("x.u64big"), { type: "u64" });
  assert.equal(p.metadata.get("x.u64big"), (1n << 60n) + 1n);
  assert.equal(p.metadata.get("x.i64"), -5);
  assert.deepEqual(p.metadataTypes.get("x.u16arr"), { type: "array", itemType: "u16" });
  assert.ok(p.metadata.get("tokenizer.ggml.scores") instanceof Float32Array);
  assert.deepEqual(p.metadata.get("x.bigarr"), [1n, 1n << 62n]);
  assert.deepEqual(p.metadata.get("x.smallarr"), [1, 2]);
  for (const t of g.tensors) {
    const info = p.tensorsByName.get(t.name)!;
    assert.deepEqual(info.shape, t.shape);
    assert.equal(info.type.name, t.type);
    assert.equal(info.offset % 32, 0);
    assert.deepEqual(p.tensorData(t.name), t.data);
  }
  assert.deepEqual(serializeGguf(toWrite(p)), bytes, "parse -> serialize is byte-identical for weft files");
  assert.throws(() => p.tensorData("nope"), /no tensor named 'nope'/);
});

test("gguf writer: version 2, custom alignment adds general.alignment, no tensors means no padding", () => {
  const g = sampleGguf();
  const v2 = parseGguf(serializeGguf({ ...g, version: 2 }));
  assert.equal(v2.version, 2);
  const a64 = parseGguf(serializeGguf({ ...g, alignment: 64 }));
  assert.equal(a64.alignment, 64);
  assert.equal(a64.metadata.get("general.alignment"), 64);
  assert.deepEqual(a64.metadataTypes.get("general.alignment"), { type: "u32" });
  for (const t of a64.tensors) assert.equal((t.offset - a64.dataOffset) % 64, 0);
  assert.equal(a64.bytes.length % 64, 0, "the last tensor is padded too, as llama.cpp and gguf-py do");
  const meta = new Map<string, GgufValue>([["general.architecture", "llama"]]);
  const empty = serializeGguf({ metadata: meta, tensors: [] });
  assert.equal(empty.length, 24 + 8 + 20 + 4 + 8 + 5);
  assert.equal(parseGguf(empty).tensors.length, 0);
});

test("gguf writer refuses bad input with ArgumentError naming it", () => {
  const base = (): GgufToWrite => ({ metadata: new Map<string, GgufValue>([["a", 1]]), tensors: [] });
  const f32 = (name: string, shape: number[], n = shape.reduce((a, b) => a * b, 1) * 4) =>
    ({ name, shape, type: "F32" as const, data: new Uint8Array(n) });
  const bad: [string, GgufToWrite, RegExp][] = [
    ["long name", { ...base(), tensors: [f32("x".repeat(64), [1])] }, /is 64 bytes; ggml allows at most 63/],
    ["duplicate", { ...base(), tensors: [f32("w", [1]), f32("w", [1])] }, /tensor name 'w' appears twice/],
    ["5 dims", { ...base(), tensors: [f32("w", [1, 1, 1, 1, 1])] }, /5 dimensions/],
    ["negative dim", { ...base(), tensors: [f32("w", [-1], 4)] }, /dimension -1/],
    ["data size", { ...base(), tensors: [f32("w", [4], 15)] }, /needs 16 bytes but data has 15/],
    ["block size", { ...base(), tensors: [{ name: "q", shape: [33], type: "Q8_0", data: new Uint8Array(34) }] }, /tensor 'q'.*block size 32/],
    ["unknown type", { ...base(), tensors: [{ name: "q", shape: [1], type: "Q9" as "F32", data: new Uint8Array(4) }] }, /tensor 'q'.*unknown tensor type 'Q9'/],
    ["empty key", { ...base(), metadata: new Map([["", 1]]) }, /non-empty/],
    ["u8 range", { ...base(), metadataTypes: new Map([["a", { type: "u8" as const }]]), metadata: new Map([["a", 300]]) }, /key 'a' = 300 does not fit in u8/],
    ["wrong kind", { ...base(), metadataTypes: new Map([["a", { type: "string" as const }]]) }, /key 'a' must be a string/],
    ["item range", { ...base(), metadata: new Map([["a", [1, -1]]]), metadataTypes: new Map([["a", { type: "array" as const, itemType: "u32" as const }]]) }, /key 'a' item 1 = -1 does not fit in u32/],
    ["nested", { ...base(), metadata: new Map([["a", [1]]]), metadataTypes: new Map([["a", { type: "array" as const, itemType: "array" as const }]]) }, /nested arrays/],
    ["surrogate", { ...base(), metadata: new Map([["a", "x\uD800"]]) }, /key 'a' contains a lone UTF-16 surrogate/],
    ["alignment", { ...base(), alignment: 48 }, /alignment 48 is not a power of two/],
    ["alignment clash", { ...base(), alignment: 64, metadata: new Map([["general.alignment", 32]]) }, /alignment 64 differs from general.alignment 32/],
    ["alignment type", { ...base(), metadata: new Map([["general.alignment", 32]]), metadataTypes: new Map([["general.alignment", { type: "u64" as const }]]) }, /general.alignment must be u32/],
    ["version", { ...base(), version: 1 as 2 }, /version 1 is not 2 or 3/],
  ];
  for (const [name, g, re] of bad) {
    assert.throws(() => serializeGguf(g), (e: unknown) => e instanceof ArgumentError && re.test(e.message), name);
  }
});

test("gguf writeGgufFile is atomic: temp file in the same folder, renamed; a failed write keeps the old file", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-gguf-"));
  try {
    const path = join(dir, "m.gguf");
    writeFileSync(path, "previous");
    const g = sampleGguf();
    writeGgufFile(path, g);
    assert.deepEqual(new Uint8Array(readFileSync(path)), serializeGguf(g));
    const back = readGgufFile(path);
    assert.equal(back.tensors.length, g.tensors.length);
    assert.ok(Buffer.isBuffer(back.bytes));
    assert.throws(() => writeGgufFile(path, { ...g, alignment: 3 }), ArgumentError);
    assert.deepEqual(new Uint8Array(readFileSync(path)), serializeGguf(g), "old file intact");
    assert.deepEqual(readdirSync(dir), ["m.gguf"], "no temp files left behind");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("gguf 64-bit values: numbers up to 2^53 in magnitude, bigint beyond, in scalars and arrays", () => {
  const edge = [0n, 1n, (1n << 53n) - 1n, 1n << 53n, -(1n << 53n), -1n, -(1n << 32n), (1n << 32n) + 5n];
  const meta = new Map<string, GgufValue>([["i", edge], ["u", [1n << 53n, 7n]], ["ubig", [(1n << 53n) + 1n, 7n]],
    ["ibig", [-(1n << 53n) - 1n]], ["s", (1n << 53n) + 1n], ["sneg", -(1n << 53n)]]);
  const types = new Map([["i", { type: "array" as const, itemType: "i64" as const }], ["sneg", { type: "i64" as const }]]);
  const g = parseGguf(serializeGguf({ metadata: meta, metadataTypes: types, tensors: [] }));
  assert.deepEqual(g.metadata.get("i"), edge.map(Number));
  assert.deepEqual(g.metadata.get("u"), [2 ** 53, 7]);
  assert.deepEqual(g.metadata.get("ubig"), [(1n << 53n) + 1n, 7n]);
  assert.deepEqual(g.metadata.get("ibig"), [-(1n << 53n) - 1n]);
  assert.equal(g.metadata.get("s"), (1n << 53n) + 1n);
  assert.equal(g.metadata.get("sneg"), -(2 ** 53));
});
