// toFloat32: every dtype decodes to the right values, aligned or not, and returns a copy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeToFloat32, parseSafetensors, serializeSafetensors, toFloat32 } from "../../../src/formats/safetensors/index.js";
import { FormatError } from "../../../src/util/errors.js";
import { sampleTensors } from "./samples.js";

const EXPECTED: Record<string, number[]> = {
  f32: [-3, -2, -1, 0, 1, 2], f64: [-3, -2, -1, 0, 1, 2], f16: [-3, -2, -1, 0, 1, 2], bf16: [-3, -2, -1, 0, 1, 2],
  i64: [-3, -2, -1, 0, 1, 2], i32: [-3, -2, -1, 0, 1, 2], i16: [-3, -2, -1, 0, 1, 2], i8: [-3, -2, -1, 0, 1, 2],
  u8: [0, 1, 2, 3, 254, 255], bool: [0, 1, 1, 0], u16: [1, 65535], u32: [1, 4294967296], u64: [2 ** 40],
  "fp8.e4m3": [1, -1, NaN, 2 ** -9], "fp8.e5m2": [1, -2, Infinity], empty: [], scalar: [7.5],
};

test("safetensors toFloat32 decodes every dtype", () => {
  const f = parseSafetensors(serializeSafetensors(sampleTensors()));
  for (const [name, want] of Object.entries(EXPECTED)) {
    assert.deepEqual(Array.from(toFloat32(f, name)), want, name);
  }
  assert.throws(() => toFloat32(f, "missing"), FormatError);
});

test("safetensors toFloat32 works on unaligned data (old unpadded files) and never aliases the file", () => {
  const tensors = sampleTensors();
  const f = parseSafetensors(serializeSafetensors(tensors, { k: "v" }, { order: "given", pad: false }));
  let unaligned = 0;
  for (const [name, want] of Object.entries(EXPECTED)) {
    const t = f.tensorsByName.get(name)!;
    if (t.start % 8 !== 0) unaligned++;
    const got = toFloat32(f, name);
    assert.deepEqual(Array.from(got), want, name);
    if (got.length) {
      got[0] = 12345;
      assert.notEqual(toFloat32(f, name)[0], 12345, `${name}: decoded array is a copy`);
    }
  }
  assert.ok(unaligned > 5, `${unaligned} tensors start unaligned`);
  // Offset views of a Uint8Array decode the same as aligned ones.
  const raw = new Uint8Array(13);
  new DataView(raw.buffer).setFloat32(1, 1.5, true);
  new DataView(raw.buffer).setFloat64(5, -2.25, true);
  assert.deepEqual(Array.from(decodeToFloat32(raw.subarray(1, 5), "F32")), [1.5]);
  assert.deepEqual(Array.from(decodeToFloat32(raw.subarray(5, 13), "F64")), [-2.25]);
});
