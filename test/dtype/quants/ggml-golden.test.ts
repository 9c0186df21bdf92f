// Bit-exactness against ggml itself: sha256 of ggml's outputs on this file's deterministic inputs.
//
// The hashes were computed once with ggml's own dequantize_row_<type>, ggml_quantize_chunk (no imatrix,
// i.e. the *_ref quantisers), quantize_row_q8_1_ref and quantize_row_q8_K_ref from the libggml-base.so
// that node-llama-cpp 3.21.1 ships (@node-llama-cpp/linux-x64), called from a throwaway C harness on the
// exact bytes and floats these tests generate (helpers.ts: randomBlocks, gaussianRow).
import { test } from "node:test";
import assert from "node:assert/strict";
import { codecFor, quantize } from "../../../src/dtype/quants/index.js";
import { ggmlType, type GgmlTypeName } from "../../../src/dtype/ggml.js";
import { gaussianRow, randomBlocks, sha256 } from "./helpers.js";

/** ggml dequantisation of randomBlocks(type, 32, 1000 + type id). */
const DEQUANT: Partial<Record<GgmlTypeName, string>> = {
  Q4_0: "db8bcb34c07bed21c3ab83df815213fdf1392a863fdf8d4a256629aba1015d02",
  Q4_1: "06a68badcb5358377a7d207af29e01de4d7f0bb545dfe683ff2d3a341d07e26f",
  Q5_0: "26afead345029dbcc3da3499b78f908d03fb3eb2d875c4c577eb4c4b86a090e0",
  Q5_1: "e90707ab242622e624964cbbb0f66bd2179525ae60fbf376fc11ed66f26180d5",
  Q8_0: "40d50b5c74275e4713df9f0eed193fa34506309b092b6ee6a5d5c0fe85a87604",
  Q2_K: "6a39b381e94917b3495a48a800899d4b1bda246391423076200664368a3ae8c6",
  Q3_K: "6147ff653308af372fc45d7001c6c75ea6ab1de611207d2b0b851d7834ca0ee2",
  Q4_K: "f4070bbd0b853aefe6f0d9c2f3817f813bd961fde0167017e64d8fed1b9add7b",
  Q5_K: "6dca2da678804f23f32504c31de03556959f9f8abddcbd21807c831de6243c49",
  Q6_K: "bc8b0794729a9364beacb9fec1705b840801e91b813b04b2aad3b8333fdb036c",
  Q8_K: "5b57a07ffd0035e60089211a8dd326d5db280d3c922fcc29a515e9b1cca70df6",
};

/** ggml reference quantisation of quantInput() as one row of 8704. */
const QUANT: Partial<Record<GgmlTypeName, string>> = {
  Q4_0: "d110e39db029d29c69504effcc6e086e52c727008894f99e5b43359680eab8b3",
  Q4_1: "360772d95856d59bf894d8b3f7cb7bb0ada7226c95ecc2e3537e06ac931d36d0",
  Q5_0: "82d9208f6b4026999d1f5d5dd6d954dde234250596b9901c73b369c6a7709234",
  Q5_1: "ee7f7338537d78c8d04333b4515f61268998842608f95ab5abc7a16e49be34be",
  Q8_0: "8450fcc28e0b52690a284b3b3993f59256b7e3d9bdd438c7ae73a5509e1c4deb",
  Q8_1: "119a382721ea639809bb285411683bca998b882c5fa7a0f1855644211cf61a96",
  Q8_K: "cf98b1c5fa39475509475201724ba03b7c3facfd071f5d35625f11fa8049c358",
};

/** 8192 Gaussian values (σ 0.02), then 512 half-integers with a 127 every 32 (exact rounding ties). */
function quantInput(): Float32Array {
  const x = new Float32Array(8704);
  x.set(gaussianRow(8192, 7, 0.02));
  for (let i = 0; i < 512; i++) x[8192 + i] = i % 32 === 0 ? 127 : ((i * 7) % 255) - 127 + 0.5;
  return x;
}

for (const [type, hash] of Object.entries(DEQUANT) as [GgmlTypeName, string][]) {
  test(`${type}: dequantisation is bit-identical to ggml's dequantize_row`, () => {
    const c = codecFor(type);
    const y = new Float32Array(32 * c.blockSize);
    c.dequantizeRow(randomBlocks(type, 32, 1000 + ggmlType(type).id), y);
    assert.equal(sha256(y), hash);
  });
}

for (const [type, hash] of Object.entries(QUANT) as [GgmlTypeName, string][]) {
  test(`${type}: quantisation is bit-identical to ggml's reference quantiser`, () => {
    assert.equal(sha256(quantize(type, quantInput(), 8704)), hash);
  });
}

test("Q4_0 rounds x·(1/d) + 8.5 once (gguf-py, FMA builds of ggml), not in two f32 steps", () => {
  // A block where the two disagree: element 29 gives 6.99999973… exactly, 7 after rounding x·(1/d) to f32
  // first. gguf-py (which wrote the stories260K fixtures) keeps 6; a non-FMA ggml build stores 7 (0x78).
  const bits = [
    0x3c37979d, 0x3cc98923, 0xbd39db5e, 0x3e054677, 0xbc1e45fe, 0x3cbd0ef5, 0x3cfd7fa7, 0xbc07d3ed,
    0xbc0f5e52, 0xbcb40909, 0xbcbb66aa, 0xbd08c459, 0xbbd97348, 0xba97d341, 0xbcf00811, 0x3b9954c8,
    0xba1c0f33, 0xbbc78e49, 0x3c9097fd, 0x3d0c10b1, 0xbc57b53e, 0xbbad4cd4, 0x3d5142c8, 0xbc96846e,
    0xbcab40d9, 0xbb81bcab, 0xbba79693, 0xbc69b666, 0xbc56d387, 0x3cc7e9b5, 0xbc50ac2a, 0x3c898073,
  ];
  const x = new Float32Array(new Uint32Array(bits).buffer);
  const hex = Buffer.from(quantize("Q4_0", x, 32)).toString("hex");
  assert.equal(hex, "2aa487867b60998756999989899a98689a78");
});
