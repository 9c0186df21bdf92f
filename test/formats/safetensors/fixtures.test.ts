// Reference-library files (HF samples, torch-written models) parse, decode to known values and re-serialise byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readSafetensorsFile, serializeSafetensors, toFloat32 } from "../../../src/formats/safetensors/index.js";
import { fixturePath, missingFixture } from "../../helpers/fixtures.js";
import { toWrite } from "./samples.js";

const SAMPLES = ["B", "H", "I", "b", "d", "e", "f", "h", "i"];
const DTYPES: Record<string, string> = { B: "U8", H: "U16", I: "U32", b: "I8", d: "F64", e: "F16", f: "F32", h: "I16", i: "I32" };
/** The samples store [-3..2] cast to the dtype: unsigned ones wrap around. */
const VALUES: Record<string, number[]> = {
  U8: [253, 254, 255, 0, 1, 2], U16: [65533, 65534, 65535, 0, 1, 2], U32: [4294967293, 4294967294, 4294967295, 0, 1, 2],
};

test("safetensors fixtures: reference samples decode to [-3..2] and re-serialise byte-identically (old layout: by name, unpadded)", (t) => {
  const rels = [...SAMPLES.map((s) => `formats/safetensors/${s}.safetensors`), "formats/safetensors/overall.safetensors"];
  if (rels.some((r) => !fixturePath(r))) return t.skip(missingFixture(rels.find((r) => !fixturePath(r))!));
  for (const rel of rels) {
    const path = fixturePath(rel)!;
    const f = readSafetensorsFile(path);
    assert.deepEqual(f.metadata, { test: "a" }, rel);
    for (const info of f.tensors) {
      assert.equal(info.dtype, DTYPES[info.name], `${rel} ${info.name}`);
      assert.deepEqual(info.shape, [6]);
      const want = (VALUES[info.dtype] ?? [-3, -2, -1, 0, 1, 2]).map((v) => Math.fround(v));
      assert.deepEqual(Array.from(toFloat32(f, info.name)), want, `${rel} ${info.name}`);
    }
    const back = serializeSafetensors(toWrite(f), f.metadata, { order: "name", pad: false });
    assert.ok(Buffer.from(back).equals(readFileSync(path)), `${rel} re-serialises byte-identically`);
  }
  const overall = readSafetensorsFile(fixturePath("formats/safetensors/overall.safetensors")!);
  assert.deepEqual(overall.tensors.map((x) => x.name), ["B", "H", "I", "b", "d", "e", "f", "h", "i"]);
  assert.equal(overall.dataStart, 8 + 526);
});

test("safetensors fixtures: model files written by the current reference library re-serialise byte-identically (default layout)", (t) => {
  const rels = ["models/stories260K-hf/model.safetensors", "models/stories260K-lora/adapter_model.safetensors",
    "models/synthetic/moe-tiny/hf/model.safetensors"];
  let seen = 0;
  for (const rel of rels) {
    const path = fixturePath(rel);
    if (!path) continue;
    seen++;
    const f = readSafetensorsFile(path);
    assert.deepEqual(f.metadata, { format: "pt" }, rel);
    assert.equal((f.dataStart - 8) % 8, 0);
    const back = serializeSafetensors(toWrite(f), f.metadata);
    assert.ok(Buffer.from(back).equals(readFileSync(path)), `${rel} re-serialises byte-identically`);
  }
  if (seen === 0) return t.skip(missingFixture(rels[0]!));
  const hf = fixturePath(rels[0]!);
  if (hf) {
    const f = readSafetensorsFile(hf);
    assert.equal(f.tensors.length, 47);
    const emb = f.tensorsByName.get("model.embed_tokens.weight")!;
    assert.deepEqual(emb.shape, [512, 64]);
    assert.equal(emb.dtype, "F32");
    const x = toFloat32(f, emb.name);
    assert.equal(x.length, 512 * 64);
    assert.ok(x.every(Number.isFinite));
  }
});
