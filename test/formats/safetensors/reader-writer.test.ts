// safetensors reader and writer: round trips, reference layout, empty tensors, metadata edge cases, bad input, atomic writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  parseSafetensors, readSafetensorsFile, serializeSafetensors, StTensorToWrite, writeSafetensorsFile,
} from "../../../src/formats/safetensors/index.js";
import { ArgumentError } from "../../../src/util/errors.js";
import { bytesOf, craft, sampleMetadata, sampleTensors, toWrite } from "./samples.js";

test("safetensors: writer output parses back to the same tensors and metadata, and re-serialises identically", () => {
  const tensors = sampleTensors();
  const bytes = serializeSafetensors(tensors, sampleMetadata());
  const f = parseSafetensors(bytes);
  assert.deepEqual(f.metadata, sampleMetadata());
  assert.equal(f.tensors.length, tensors.length);
  for (const t of tensors) {
    const info = f.tensorsByName.get(t.name)!;
    assert.equal(info.dtype, t.dtype, t.name);
    assert.deepEqual(info.shape, t.shape, t.name);
    assert.deepEqual(f.tensorData(t.name), t.data, t.name);
    assert.equal(info.end - info.start, t.data.length);
  }
  assert.deepEqual(serializeSafetensors(toWrite(f), f.metadata), bytes);
  assert.throws(() => f.tensorData("nope"), /\[safetensors\] no tensor named 'nope' \(the file has 19 tensors\)/);
});

test("safetensors: reference layout: header padded with spaces to 8 bytes, descending dtype then name, aligned data", () => {
  const bytes = serializeSafetensors(sampleTensors(), { format: "pt" });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(header, /^\{"__metadata__":\{"format":"pt"\},"u64":\{"dtype":"U64","shape":\[1\],"data_offsets":\[0,8\]\},"i64":/);
  assert.match(header, /\} *$/);
  const f = parseSafetensors(bytes);
  assert.deepEqual(f.tensors.slice(0, 7).map((t) => t.name), ["u64", "i64", "f64", "empty", "f32", "scalar", "u32"]);
  assert.deepEqual(f.tensors.slice(-3).map((t) => t.name), ["u8", "名前 \"quoted\"\n\u{1f600}", "bool"]);
  for (const t of f.tensors) {
    const size = (t.end - t.start) / Math.max(1, t.shape.reduce((a, b) => a * b, 1));
    if (t.end > t.start) assert.equal(t.start % size, 0, `${t.name} at ${t.start} is aligned to its ${size}-byte elements`);
  }
});

test("safetensors: the reference library's own serialisation examples are reproduced byte for byte", () => {
  // From huggingface/safetensors tensor.rs tests: one F32 tensor "attn.0" [1,2,3], and an empty file with and without metadata.
  const data = bytesOf(new Float32Array([0, 1, 2, 3, 4, 5]));
  const out = serializeSafetensors([{ name: "attn.0", dtype: "F32", shape: [1, 2, 3], data }]);
  assert.equal(Buffer.from(out.subarray(0, 8)).readBigUInt64LE(), 64n);
  assert.equal(Buffer.from(out.subarray(8, 72)).toString(), '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}');
  const aligned = serializeSafetensors([{ name: "attn0", dtype: "F32", shape: [1, 1, 2, 3], data }]);
  assert.equal(Buffer.from(aligned.subarray(0, 8)).readBigUInt64LE(), 72n);
  assert.ok(Buffer.from(aligned.subarray(8, 80)).toString().endsWith("}}       "));
  assert.deepEqual([...serializeSafetensors([])], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  const meta = serializeSafetensors([], { framework: "pt" });
  assert.equal(Buffer.from(meta.subarray(8)).toString(), '{"__metadata__":{"framework":"pt"}}     ');
});

test("safetensors: order and pad options", () => {
  const t = sampleTensors().slice(0, 3);
  const given = parseSafetensors(serializeSafetensors(t, undefined, { order: "given", pad: false }));
  assert.deepEqual(given.tensors.map((x) => x.name), ["f32", "f64", "f16"]);
  assert.equal(Number(new DataView(given.bytes.buffer).getBigUint64(0, true)), given.dataStart - 8);
  assert.match(new TextDecoder().decode(given.bytes.subarray(8, given.dataStart)), /\}\}$/, "no padding");
  const byName = parseSafetensors(serializeSafetensors(t, undefined, { order: "name" }));
  assert.deepEqual(byName.tensors.map((x) => x.name), ["f16", "f32", "f64"]);
  assert.equal(byName.dataStart % 8, 0);
  assert.throws(() => serializeSafetensors(t, undefined, { order: "size" as "name" }), /order size is not reference, name or given/);
});

test("safetensors: empty tensors load, at the start, the middle and the end of the data", () => {
  const e = (name: string, shape: number[]): StTensorToWrite => ({ name, dtype: "F32", shape, data: new Uint8Array(0) });
  const f = parseSafetensors(serializeSafetensors([e("a", [2, 0]), { name: "b", dtype: "U8", shape: [1], data: Uint8Array.of(5) }, e("c", [0]), e("d", [0, 9])], {}, { order: "given" }));
  assert.deepEqual(f.tensorData("a"), new Uint8Array(0));
  assert.deepEqual(f.tensorsByName.get("a")!.shape, [2, 0]);
  assert.deepEqual(f.tensorData("b"), Uint8Array.of(5));
  assert.equal(f.tensorData("d").length, 0);
  // A zero-element shape with huge other dimensions needs zero bytes.
  const big = parseSafetensors(craft({ z: { dtype: "F64", shape: [2 ** 52, 0, 2 ** 52], data_offsets: [0, 0] } }));
  assert.deepEqual(big.tensorsByName.get("z")!.shape, [2 ** 52, 0, 2 ** 52]);
  assert.equal(parseSafetensors(craft({})).tensors.length, 0);
});

test("safetensors: metadata edge cases: null, absent, '__proto__' and escaped keys stay data", () => {
  assert.deepEqual(parseSafetensors(craft('{"__metadata__":null}')).metadata, {});
  const f = parseSafetensors(craft('{"__metadata__":{"__proto__":"x","a\\u0000\\ud83d\\ude00":"\\/\\b"}}  \n\t\r'));
  assert.equal(Object.getPrototypeOf(f.metadata), Object.prototype);
  assert.deepEqual(Object.keys(f.metadata), ["__proto__", "a\u0000\u{1f600}"]);
  assert.equal(f.metadata["__proto__"], "x");
  assert.equal(f.metadata["a\u0000\u{1f600}"], "/\b");
  const back = parseSafetensors(serializeSafetensors([], f.metadata));
  assert.deepEqual(Object.entries(back.metadata), Object.entries(f.metadata));
  assert.equal(new TextDecoder().decode(serializeSafetensors([], {})).slice(8).trim(), "{}", "empty metadata is left out");
});

test("safetensors: tensorData is a view of the file bytes, not a copy", () => {
  const bytes = serializeSafetensors(sampleTensors());
  const f = parseSafetensors(bytes);
  const d = f.tensorData("u8");
  assert.equal(d.buffer, bytes.buffer);
  assert.equal(d.byteOffset, f.tensorsByName.get("u8")!.start);
});

test("safetensors writer refuses bad input with ArgumentError naming the tensor", () => {
  const ok = (): StTensorToWrite => ({ name: "w", dtype: "F32", shape: [2], data: new Uint8Array(8) });
  const bad: [string, unknown[], unknown, RegExp][] = [
    ["duplicate names", [ok(), ok()], undefined, /tensor name 'w' appears twice/],
    ["wrong byte count", [{ ...ok(), shape: [3] }], undefined, /tensor 'w' F32 \[3\] needs 12 bytes but data has 8 bytes/],
    ["negative dim", [{ ...ok(), shape: [-2] }], undefined, /tensor 'w' has dimension -2/],
    ["fractional dim", [{ ...ok(), shape: [1.5] }], undefined, /tensor 'w' has dimension 1.5/],
    ["unknown dtype", [{ ...ok(), dtype: "Q4_0" }], undefined, /tensor 'w' dtype Q4_0 is not a safetensors dtype/],
    ["reserved name", [{ ...ok(), name: "__metadata__" }], undefined, /cannot be named '__metadata__'/],
    ["lone surrogate name", [{ ...ok(), name: "a\ud800" }], undefined, /tensor name "a\\ud800" has an unpaired surrogate/],
    ["data not bytes", [{ ...ok(), data: new Float32Array(2) }], undefined, /needs 8 bytes but data has no Uint8Array/],
    ["non-string metadata", [ok()], { a: 1 }, /metadata value of key 'a' must be a string, not number/],
    ["lone surrogate metadata", [ok()], { a: "\udc00" }, /metadata value of key 'a' "\\udc00" has an unpaired surrogate/],
    ["too many bytes", [{ ...ok(), dtype: "F64", shape: [2 ** 30, 2 ** 30, 2 ** 30] }], undefined, /has more than 2\^53 bytes/],
  ];
  for (const [label, tensors, meta, re] of bad) {
    assert.throws(() => serializeSafetensors(tensors as StTensorToWrite[], meta as Record<string, string>), (e: unknown) => {
      assert.ok(e instanceof ArgumentError, `${label}: ${String(e)}`);
      assert.match(e.message, re, label);
      return true;
    });
  }
});

test("safetensors: writeSafetensorsFile is atomic: it replaces the file whole and leaves no temp file", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-st-"));
  try {
    const path = join(dir, "m.safetensors");
    writeFileSync(path, "old");
    writeSafetensorsFile(path, sampleTensors(), { format: "pt" });
    assert.deepEqual(readdirSync(dir), ["m.safetensors"]);
    assert.deepEqual(new Uint8Array(readFileSync(path)), serializeSafetensors(sampleTensors(), { format: "pt" }));
    const f = readSafetensorsFile(path);
    assert.equal(f.metadata.format, "pt");
    // A refused write leaves the old file and no temp file.
    assert.throws(() => writeSafetensorsFile(path, [{ name: "x", dtype: "F32", shape: [1], data: new Uint8Array(3) }]), ArgumentError);
    assert.deepEqual(readdirSync(dir), ["m.safetensors"]);
    assert.equal(readSafetensorsFile(path).tensors.length, sampleTensors().length);
    // Errors from a file name the file.
    writeFileSync(path, craft("{", 0));
    assert.throws(() => readSafetensorsFile(path), new RegExp(`\\[safetensors\\] ${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: header is not valid JSON`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
