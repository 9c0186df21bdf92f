// One crafted safetensors file per failure class: each gives a typed error whose message names the offending field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSafetensors } from "../../../src/formats/safetensors/index.js";
import { FormatError, UnsupportedError } from "../../../src/util/errors.js";
import { craft, entry } from "./samples.js";

const w = (dtype = "F32", shape: unknown[] = [2], offsets: unknown[] = [0, 8]) => entry(dtype, shape, offsets);
const one = (e: object, data = 8) => craft({ w: e }, data);
const text = (h: string, data = 8) => craft(h, data);
const notUtf8 = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff\xfe":1}

const CASES: [string, Uint8Array, string | RegExp][] = [
  ["empty file", new Uint8Array(0), "file is 0 bytes, too short for the 8-byte header length"],
  ["7-byte file", new Uint8Array(7), "file is 7 bytes, too short"],
  ["header length above 100 MB", craft("{}", 0, 100_000_001), "header length 100000001 is above the 100000000-byte limit"],
  ["header length 2^64 - 1", craft("{}", 0, -1n), "header length 18446744073709551615 is above the 100000000-byte limit"],
  ["header length past the file", craft("{}", 0, 3), /header length 3 runs past the end of the file \(the header would end at byte 11; the file has 10\)/],
  ["header not UTF-8", craft(notUtf8), "header (bytes 8..16) is not valid UTF-8"],
  ["empty header", craft(""), "header does not start with '{'"],
  ["header starting with a space", text(' {"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'), "header does not start with '{'"],
  ["header starting with a BOM", text('\ufeff{}', 0), "header does not start with '{' (it starts with \"\ufeff{}\")"],
  ["header is an array", text("[]", 0), "header does not start with '{'"],
  ["header not JSON (truncated)", text('{"w":{"dtype":"F32",', 0), /header is not valid JSON: expected a quoted key in tensor 'w' at character 20, found the end/],
  ["header not JSON (missing colon)", text('{"w" {}}', 0), "expected ':' after key 'w' of header"],
  ["header not JSON (unquoted key)", text("{w:1}", 0), "expected a quoted key in header"],
  ["header not JSON (trailing comma)", text('{"__metadata__":{"a":"b",}}', 0), "expected a quoted key in __metadata__"],
  ["header not JSON (text after the object)", text("{}x", 0), "expected only whitespace after the top-level object at character 2"],
  ["header not JSON (bad literal)", text('{"__metadata__":nul}', 0), "expected a value for __metadata__"],
  ["header not JSON (bad escape)", text('{"a\\x":1}', 0), "bad escape \"\\\\x\" in a key of header"],
  ["header not JSON (raw control character)", text('{"a\tb":1}', 0), "a key of header holds raw control character 0x9"],
  ["unpaired surrogate in a name", text('{"\\ud800":{}}', 0), "a key of header has an unpaired surrogate \\ud800"],
  ["duplicate tensor keys", text('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'), "header has key 'w' twice"],
  ["duplicate __metadata__", text('{"__metadata__":{},"__metadata__":{}}', 0), "header has key '__metadata__' twice"],
  ["duplicate field in a tensor", text('{"w":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}'), "tensor 'w' has key 'dtype' twice"],
  ["duplicate metadata key", text('{"__metadata__":{"k":"a","k":"b"}}', 0), "__metadata__ has key 'k' twice"],
  ["non-string metadata value", craft({ __metadata__: { k: 1 } }), "__metadata__ key 'k' must be a string but is a number"],
  ["nested metadata value", craft({ __metadata__: { k: { a: "b" } } }), "__metadata__ key 'k' must be a string but is an object"],
  ["metadata not an object", craft({ __metadata__: ["a"] }), "__metadata__ must be an object but is an array"],
  ["tensor entry not an object", craft({ w: "F32" }), "tensor 'w' must be an object but is a string"],
  ["missing dtype", one({ shape: [2], data_offsets: [0, 8] }), "tensor 'w' has no dtype"],
  ["missing shape", one({ dtype: "F32", data_offsets: [0, 8] }), "tensor 'w' has no shape"],
  ["missing data_offsets", one({ dtype: "F32", shape: [2] }), "tensor 'w' has no data_offsets"],
  ["extra field", one({ ...w(), offset: 0 }), "tensor 'w' has unexpected field 'offset' (allowed: dtype, shape, data_offsets)"],
  ["dtype not a string", one(w(7 as unknown as string)), "tensor 'w' dtype must be a string but is a number"],
  ["shape not an array", one({ dtype: "F32", shape: "2", data_offsets: [0, 8] }), "tensor 'w' shape must be an array but is a string"],
  ["shape item not a number", one(w("F32", ["2"])), "tensor 'w' shape[0] must be a non-negative integer but is a string"],
  ["shape item null", one(w("F32", [null])), "tensor 'w' shape[0] must be a non-negative integer but is null"],
  ["data_offsets not an array", one({ dtype: "F32", shape: [2], data_offsets: { begin: 0 } }), "tensor 'w' data_offsets must be an array but is an object"],
  ["data_offsets with 1 item", one(w("F32", [2], [8])), "tensor 'w' data_offsets has 1 items, not 2"],
  ["data_offsets with 3 items", one(w("F32", [2], [0, 8, 8])), "tensor 'w' data_offsets has more than 2 items"],
  ["unknown dtype", one(w("F12")), /tensor 'w' dtype 'F12' is not a safetensors dtype \(known: BOOL, U8, I8/],
  ["lower-case dtype", one(w("f32")), "tensor 'w' dtype 'f32' is not a safetensors dtype"],
  ["negative dimension", one(w("F32", [2, -1])), "tensor 'w' shape[1] is -1, negative"],
  ["negative zero dimension", text('{"w":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}', 0), "tensor 'w' shape[0] is -0, negative"],
  ["fractional dimension", one(w("F32", [2.5])), "tensor 'w' shape[0] is 2.5, not an integer"],
  ["dimension with exponent", text('{"w":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}'), "tensor 'w' shape[0] is 2e0, not an integer"],
  ["dimension of 2.0", text('{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}'), "tensor 'w' shape[0] is 2.0, not an integer"],
  ["dimension above 2^53", text('{"w":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,8]}}'), "tensor 'w' shape[0] is 9007199254740993, above 2^53 - 1"],
  ["negative offset", one(w("F32", [2], [-1, 7])), "tensor 'w' data_offsets[0] is -1, negative"],
  ["offset above 2^53", text('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}}'), "data_offsets[1] is 18446744073709551615, above 2^53 - 1"],
  ["offsets end before they begin", one(w("U8", [0], [8, 4])), "tensor 'w' data_offsets [8, 4] end before they begin"],
  ["offsets run past the data", one(w("F32", [4], [0, 16])), "tensor 'w' data_offsets [0, 16] run past the data section, which is 8 bytes"],
  ["shape x dtype size differs from the byte length", one(w("F32", [3], [0, 8])), "tensor 'w' F32 [3] needs 12 bytes but data_offsets [0, 8] hold 8"],
  ["shape x dtype size above 2^53", one(w("F64", [2 ** 30, 2 ** 30, 2 ** 30], [0, 8])), "tensor 'w' F64 [1073741824, 1073741824, 1073741824] needs more than 2^53 bytes"],
  ["hole between tensors", craft({ a: w("F32", [1], [0, 4]), b: w("F32", [1], [8, 12]) }, 12), "data bytes 4..8 belong to no tensor (a hole after tensor 'a', before tensor 'b')"],
  ["hole at the start", craft({ b: w("F32", [1], [4, 8]) }, 8), "data bytes 0..4 belong to no tensor (a hole at the start of the data section, before tensor 'b')"],
  ["overlapping tensors", craft({ a: w("F32", [2], [0, 8]), b: w("F32", [1], [4, 8]) }, 8), "tensor 'b' data_offsets [4, 8] overlap tensor 'a' [0, 8]"],
  ["empty tensor inside another", craft({ a: w("F32", [2], [0, 8]), z: w("F32", [0], [4, 4]) }, 8), "tensor 'z' data_offsets [4, 4] overlap tensor 'a' [0, 8]"],
  ["same bytes twice", craft({ a: w("F32", [2], [0, 8]), b: w("F32", [2], [0, 8]) }, 16), "overlap tensor"],
  ["trailing bytes", one(w(), 12), "4 trailing bytes after the tensors: the last tensor ends at data byte 8 but the data section is 12 bytes"],
  ["data but no tensors", craft({ __metadata__: {} }, 3), "3 trailing bytes after the tensors: the file has no tensors"],
];

test("safetensors: each malformed file gives a FormatError naming the field", () => {
  for (const [label, bytes, expected] of CASES) {
    assert.throws(() => parseSafetensors(bytes, "x.safetensors"), (e: unknown) => {
      assert.ok(e instanceof FormatError, `${label}: threw ${String(e)}`);
      const m = e.message;
      assert.ok(m.startsWith("[safetensors] x.safetensors: "), `${label}: ${m}`);
      if (typeof expected === "string") assert.ok(m.includes(expected), `${label}: message was\n  ${m}\nexpected to include\n  ${expected}`);
      else assert.match(m, expected, label);
      return true;
    }, label);
  }
  console.log(`${CASES.length} crafted malformed files`);
});

test("safetensors: dtypes of newer reference versions that weft lacks give UnsupportedError", () => {
  for (const d of ["F4", "F6_E2M3", "F8_E8M0", "C64"]) {
    assert.throws(() => parseSafetensors(one(w(d, [8], [0, 8]))), (e: unknown) => e instanceof UnsupportedError && e.message.includes(`dtype ${d}`));
  }
});

test("safetensors: a header of 100,000,000 bytes is not refused for its length (only a longer one)", () => {
  // The length check must come before any allocation: a 16-byte file claiming 100 MB fails on the file size instead.
  assert.throws(() => parseSafetensors(craft("{}", 6, 100_000_000)), /header length 100000000 runs past the end of the file/);
});
