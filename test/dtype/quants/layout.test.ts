// Hand-built blocks with known fields: dequantising them gives the values worked out by hand from the
// layout in ggml-common.h. Each block is mostly a "background" (all level bits zero) plus a few elements
// set on purpose; every element of the block is checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { codecFor } from "../../../src/dtype/quants/index.js";
import type { GgmlTypeName } from "../../../src/dtype/ggml.js";

/** f16 bit patterns used below. */
const H = { "0.25": 0x3400, "0.5": 0x3800, "1": 0x3c00, "2": 0x4000, "-1": 0xbc00 } as const;

function block(type: GgmlTypeName, fill: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(codecFor(type).typeSize);
  fill(b);
  return b;
}

function f16At(b: Uint8Array, o: number, h: number): void {
  b[o] = h & 0xff;
  b[o + 1] = h >> 8;
}

function check(type: GgmlTypeName, bytes: Uint8Array, expected: (e: number) => number): void {
  const c = codecFor(type);
  const y = new Float32Array(c.blockSize);
  c.dequantizeRow(bytes, y);
  for (let e = 0; e < c.blockSize; e++) assert.equal(y[e], expected(e), `${type} element ${e}`);
}

test("Q8_0: d f16 then 32 int8", () => {
  const b = block("Q8_0", (b) => { f16At(b, 0, H["0.5"]); b[2] = 0x80; b[3] = 127; b[7] = 0xff; });
  check("Q8_0", b, (e) => ({ 0: -64, 1: 63.5, 5: -0.5 })[e] ?? 0);
});

test("Q4_0: element j in the low nibble of qs[j], j+16 in the high nibble; x = d(q - 8)", () => {
  const b = block("Q4_0", (b) => { f16At(b, 0, H["2"]); b.fill(0x88, 2); b[2] = 0x1f; b[5] = 0x80; });
  // qs[0] = 0x1f: e0 = (15-8)·2 = 14, e16 = (1-8)·2 = -14; qs[3] = 0x80: e3 = -16, e19 = 0; rest q = 8 -> 0
  check("Q4_0", b, (e) => ({ 0: 14, 16: -14, 3: -16 })[e] ?? 0);
});

test("Q4_1: d, m then nibbles; x = d·q + m", () => {
  const b = block("Q4_1", (b) => { f16At(b, 0, H["0.25"]); f16At(b, 2, H["-1"]); b[4 + 2] = 0xf0; });
  // qs[2] = 0xf0: e2 = 0·0.25 - 1 = -1, e18 = 15·0.25 - 1 = 2.75; background -1
  check("Q4_1", b, (e) => (e === 18 ? 2.75 : -1));
});

test("Q5_0: fifth bit of element j is bit j of the u32 qh; x = d(q - 16)", () => {
  const b = block("Q5_0", (b) => {
    f16At(b, 0, H["1"]);
    b[2] = 0x01; b[4] = 0x02; // qh bits 0 and 17
    b[6] = 0x3a; b[7] = 0x5c;
  });
  // e0 = (0xa|16) - 16 = 10; e16 = 3 - 16 = -13; e1 = 0xc - 16 = -4; e17 = (5|16) - 16 = 5; rest -16
  check("Q5_0", b, (e) => ({ 0: 10, 16: -13, 1: -4, 17: 5 })[e] ?? -16);
});

test("Q5_1: d, m, qh, qs; x = d·q + m", () => {
  const b = block("Q5_1", (b) => {
    f16At(b, 0, H["0.5"]); f16At(b, 2, H["1"]);
    b[4 + 3] = 0x80; // qh bit 31
    b[8 + 15] = 0xf7;
  });
  // e15 = 7·0.5 + 1 = 4.5; e31 = (15|16)·0.5 + 1 = 16.5; rest 1
  check("Q5_1", b, (e) => ({ 15: 4.5, 31: 16.5 })[e] ?? 1);
});

test("Q2_K: scales (low nibble scale, high nibble min), qs with e = 128n + 32k + l in bits 2k of qs[32n + l]", () => {
  const b = block("Q2_K", (b) => {
    b.fill(0x11, 0, 16); b[5] = 0x32; b[15] = 0xf0;
    b[16 + 16] = 0x30; // e = 80 (n 0, k 2, l 16): q = 3, sub-block 5
    b[16 + 47] = 0x80; // e = 239 (n 1, k 3, l 15): q = 2, sub-block 14
    b[16 + 63] = 0xc0; // e = 255: q = 3 but sub-block 15 has scale 0
    f16At(b, 80, H["0.5"]); f16At(b, 82, H["0.25"]);
  });
  // x = 0.5·sc·q - 0.25·m: background -0.25, sub-block 5 -0.75, sub-block 15 -3.75
  check("Q2_K", b, (e) => {
    if (e === 80) return 0.5 * 2 * 3 - 0.75;
    if (e === 239) return 0.5 * 1 * 2 - 0.25;
    const j = e >> 4;
    return j === 5 ? -0.75 : j === 15 ? -3.75 : -0.25;
  });
});

test("Q3_K: hmask, qs, 12 packed 6-bit scales, d; x = d(sc - 32)(low - (hbit ? 0 : 4))", () => {
  // scales: sc0 = 31 (-1), sc9 = 0 (-32), sc15 = 63 (+31), all others 33 (+1)
  const scales = [0x1f, 0x01, 0x11, 0x11, 0x11, 0x11, 0x11, 0xf1, 0xa9, 0x8a, 0xaa, 0xea];
  const b = block("Q3_K", (b) => {
    b.set(scales, 96);
    f16At(b, 108, H["0.25"]);
    b[0] = 0x01; b[32] = 0x03; // e0: hbit set, low 3 -> q = 3
    b[32 + 51] = 0x02; // e147 (n 1, k 0, l 19): low 2, hbit clear -> q = -2
    b[32 + 63] = 0x40; b[31] = 0x80; // e255 (n 1, k 3, l 31): low 1, hbit 7 of hmask[31] set -> q = 1
  });
  const s = (j: number) => (j === 0 ? -1 : j === 9 ? -32 : j === 15 ? 31 : 1);
  check("Q3_K", b, (e) => {
    if (e === 0) return 0.25 * -1 * 3;
    if (e === 147) return 0.25 * -32 * -2;
    if (e === 255) return 0.25 * 31 * 1;
    return 0.25 * s(e >> 4) * -4;
  });
});

/** The Q4_K/Q5_K scale bytes for sc = [1,2,3,4,5,6,7,40], m = [0,0,0,0,0,0,0,33], packed by hand. */
const K4_SCALES = [0x01, 0x02, 0x03, 0x84, 0x00, 0x00, 0x00, 0x80, 0x05, 0x06, 0x07, 0x18];

test("Q4_K: get_scale_min_k4 packing; sub-blocks 2p/2p+1 in low/high nibbles of qs[32p + l]", () => {
  const b = block("Q4_K", (b) => {
    f16At(b, 0, H["1"]); f16At(b, 2, H["0.5"]);
    b.set(K4_SCALES, 4);
    b[16] = 0x21; // e0 q = 1, e32 q = 2
    b[16 + 96 + 5] = 0xf3; // e197 q = 3 (sub-block 6), e229 q = 15 (sub-block 7)
  });
  check("Q4_K", b, (e) => {
    if (e === 0) return 1;
    if (e === 32) return 2 * 2;
    if (e === 197) return 7 * 3;
    if (e === 229) return 40 * 15 - 0.5 * 33;
    return e >> 5 === 7 ? -16.5 : 0;
  });
});

test("Q5_K: as Q4_K plus bit j of qh[l] as the fifth bit of sub-block j", () => {
  const b = block("Q5_K", (b) => {
    f16At(b, 0, H["1"]); f16At(b, 2, H["0.5"]);
    b.set(K4_SCALES, 4);
    b[16 + 0] = 0x01; // e0 fifth bit
    b[16 + 5] = 0x80; // e229 fifth bit
    b[16 + 10] = 0x04; // e74 (sub-block 2, l 10) fifth bit
    b[48] = 0x21; // e0 low 1, e32 low 2
    b[48 + 96 + 5] = 0xf3; // e197 low 3, e229 low 15
  });
  check("Q5_K", b, (e) => {
    if (e === 0) return 17;
    if (e === 32) return 2 * 2;
    if (e === 74) return 3 * 16;
    if (e === 197) return 7 * 3;
    if (e === 229) return 40 * 31 - 0.5 * 33;
    return e >> 5 === 7 ? -16.5 : 0;
  });
});

test("Q6_K: ql nibbles, qh 2-bit pairs, int8 scales, d; x = d·sc·(q - 32)", () => {
  const b = block("Q6_K", (b) => {
    b.fill(1, 192, 208); b[192 + 3] = 0xfe; b[192 + 15] = 127;
    f16At(b, 208, H["0.5"]);
    b[0] = 0x5f; b[128] = 0x12; // e0: low 15, qh bits 0-1 = 2 -> 47; e64: low 5, qh bits 4-5 = 1 -> 21
    b[48] = 0x09; b[128 + 16] = 0x0c; // e48 (m 1, l 16): low 9, qh bits 2-3 = 3 -> 57
    b[127] = 0xa0; b[128 + 63] = 0xc0; // e255 (n 1, m 3, l 31): low 10, qh bits 6-7 = 3 -> 58
  });
  const s = (j: number) => (j === 3 ? -2 : j === 15 ? 127 : 1);
  check("Q6_K", b, (e) => {
    const q = ({ 0: 47, 64: 21, 48: 57, 255: 58 } as Record<number, number>)[e] ?? 0;
    return 0.5 * s(e >> 4) * (q - 32);
  });
});

test("Q8_K: d f32, 256 int8, then 16 int16 sums", () => {
  const b = block("Q8_K", (b) => {
    b.set(new Uint8Array(new Float32Array([0.5]).buffer), 0);
    b[4 + 10] = 0xfd; b[4 + 255] = 100;
  });
  check("Q8_K", b, (e) => ({ 10: -1.5, 255: 50 })[e] ?? 0);
});

test("Q8_K quantiser fills bsums with the sums of each 16 quants", () => {
  const c = codecFor("Q8_K");
  const x = new Float32Array(256).map((_, i) => (i % 16) - 7.5);
  x[3] = 127;
  const b = new Uint8Array(292);
  c.quantizeRow(x, b);
  const qs = new Int8Array(b.buffer, 4, 256);
  const sums = new Int16Array(b.buffer.slice(260, 292));
  for (let g = 0; g < 16; g++) {
    let s = 0;
    for (let i = 0; i < 16; i++) s += qs[16 * g + i]!;
    assert.equal(sums[g], s);
  }
});
