// Native vs reference parity for the elementwise, reduction, norm, softmax, rope, attention and gather kernels,
// at sizes around the SIMD widths (1, 7, 31, 32, 33, 4096) and odd shapes; NMSE <= 1e-7.
import type { AttentionParams, BinaryLayout, BinaryOp, RopeParams, UnaryOp } from "../../src/backend/contract.js";
import { close, forEachPair, randArray, rng, SIZES } from "./native-pairs.js";

/** Input range per unary op: positive where the op needs it. */
const UNARY_RANGE: Record<UnaryOp, [number, number]> = {
  neg: [-3, 3], exp: [-20, 20], log: [1e-3, 50], sqrt: [0, 50], rsqrt: [1e-3, 50], abs: [-3, 3], relu: [-3, 3],
  sigmoid: [-20, 20], tanh: [-6, 6], silu: [-10, 10], geluTanh: [-6, 6], geluErf: [-6, 6],
};
const SPECIAL = [0, -0, 1, -1, 1e-30, -1e-30, 1e-40, 80, -80, 100, -100, Infinity, -Infinity, NaN, 3e38];

forEachPair("unary forward and backward, every op", (p) => {
  let seed = 1;
  for (const op of Object.keys(UNARY_RANGE) as UnaryOp[]) {
    const [lo, hi] = UNARY_RANGE[op];
    for (const n of SIZES) {
      const x = randArray(n, seed++, lo, hi), dy = randArray(n, seed++);
      const y = new Float32Array(n), want = new Float32Array(n);
      p.test.unary(op, x, y);
      p.expected.unary(op, x, want);
      close(y, want, `unary ${op} n=${n}`);
      const dx = new Float32Array(n), dxWant = new Float32Array(n);
      p.test.unaryBackward(op, x, want, dy, dx);
      p.expected.unaryBackward(op, x, want, dy, dxWant);
      close(dx, dxWant, `unaryBackward ${op} n=${n}`);
    }
    if (op === "exp" || op === "sigmoid" || op === "silu" || op === "tanh" || op === "log") {
      const x = Float32Array.from(SPECIAL), y = new Float32Array(x.length), want = new Float32Array(x.length);
      p.test.unary(op, x, y);
      p.expected.unary(op, x, want);
      close(y, want, `unary ${op} special values ${Array.from(x).join(",")} -> ${Array.from(y).join(",")}`);
    }
  }
});

forEachPair("affine", (p) => {
  for (const n of SIZES) {
    const x = randArray(n, n), got = new Float32Array(n), want = new Float32Array(n);
    p.test.affine(x, got, 1.5, -0.25);
    p.expected.affine(x, want, 1.5, -0.25);
    close(got, want, `affine n=${n}`);
  }
});

function contiguous(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
}

/** Layout cases: [name, layout, length of a, length of b]. */
function layouts(): [string, BinaryLayout, number, number][] {
  const out: [string, BinaryLayout, number, number][] = [];
  for (const n of SIZES) {
    out.push([`same ${n}`, { shape: [n], stridesA: [1], stridesB: [1], offsetA: 0, offsetB: 0 }, n, n]);
    out.push([`scalar b ${n}`, { shape: [n], stridesA: [1], stridesB: [0], offsetA: 0, offsetB: 0 }, n, 1]);
    out.push([`scalar a ${n}`, { shape: [n], stridesA: [0], stridesB: [1], offsetA: 0, offsetB: 0 }, 1, n]);
  }
  for (const [R, C] of [[7, 33], [31, 32], [3, 4096], [65, 1]]) {
    const c = contiguous([R, C]);
    out.push([`row bcast ${R}x${C}`, { shape: [R, C], stridesA: c, stridesB: [0, 1], offsetA: 0, offsetB: 0 }, R * C, C]);
    out.push([`col bcast ${R}x${C}`, { shape: [R, C], stridesA: c, stridesB: [1, 0], offsetA: 0, offsetB: 0 }, R * C, R]);
    out.push([`transposed a ${R}x${C}`, { shape: [R, C], stridesA: [1, R], stridesB: c, offsetA: 0, offsetB: 0 }, R * C, R * C]);
  }
  out.push(["4-d offsets", { shape: [2, 3, 5, 7], stridesA: [0, 35, 7, 1], stridesB: [105, 0, 1, 5], offsetA: 4, offsetB: 2 },
    4 + 105, 2 + 210]);
  out.push(["rank 0", { shape: [], stridesA: [], stridesB: [], offsetA: 3, offsetB: 1 }, 5, 2]);
  out.push(["empty", { shape: [4, 0], stridesA: [0, 1], stridesB: [0, 1], offsetA: 0, offsetB: 0 }, 1, 1]);
  return out;
}

forEachPair("binary, every op over contiguous, broadcast, transposed and offset layouts", (p) => {
  let seed = 500;
  for (const op of ["add", "sub", "mul", "div", "pow", "max", "min"] as BinaryOp[]) {
    for (const [name, layout, la, lb] of layouts()) {
      const a = randArray(la, seed++, op === "pow" ? 0.1 : -2, 2), b = randArray(lb, seed++, op === "div" ? 0.5 : -2, 2);
      const n = layout.shape.reduce((x, y) => x * y, 1);
      const got = new Float32Array(n), want = new Float32Array(n);
      p.test.binary(op, a, b, got, layout);
      p.expected.binary(op, a, b, want, layout);
      close(got, want, `binary ${op} ${name}`);
    }
  }
});

forEachPair("reduce sum and max over [outer, n, inner]", (p) => {
  let seed = 700;
  const shapes = [[1, 4096, 1], [7, 33, 1], [3, 31, 7], [2, 7, 33], [1, 1, 4096], [4, 32, 32], [5, 0, 3], [1, 257, 1]];
  for (const op of ["sum", "max"] as const)
    for (const [o, n, i] of shapes) {
      const x = randArray(o! * n! * i!, seed++), got = new Float32Array(o! * i!), want = new Float32Array(o! * i!);
      p.test.reduce(op, x, got, o!, n!, i!);
      p.expected.reduce(op, x, want, o!, n!, i!);
      close(got, want, `reduce ${op} [${o}, ${n}, ${i}]`);
    }
});

forEachPair("softmax and log-softmax, masked entries and fully masked rows", (p) => {
  let seed = 800;
  for (const log of [false, true])
    for (const cols of SIZES)
      for (const rows of [1, 3, 17]) {
        const x = randArray(rows * cols, seed++, -8, 8);
        if (cols > 2) x[1] = -Infinity;
        if (rows > 2) x.fill(-Infinity, 2 * cols, 3 * cols);
        const got = new Float32Array(rows * cols), want = new Float32Array(rows * cols);
        p.test.softmax(x, got, rows, cols, log);
        p.expected.softmax(x, want, rows, cols, log);
        close(got, want, `softmax log=${log} ${rows}x${cols}`);
      }
});

forEachPair("rmsNorm and layerNorm with and without weight/bias", (p) => {
  let seed = 900;
  for (const cols of SIZES)
    for (const rows of [1, 5]) {
      const x = randArray(rows * cols, seed++, -3, 5), w = randArray(cols, seed++), b = randArray(cols, seed++);
      for (const useW of [false, true]) {
        const out = [new Float32Array(rows * cols), new Float32Array(rows * cols)];
        const rstd = [new Float32Array(rows), new Float32Array(rows)], mean = [new Float32Array(rows), new Float32Array(rows)];
        p.test.rmsNorm(x, useW ? w : null, out[0]!, rstd[0]!, rows, cols, 1e-5);
        p.expected.rmsNorm(x, useW ? w : null, out[1]!, rstd[1]!, rows, cols, 1e-5);
        close(out[0]!, out[1]!, `rmsNorm ${rows}x${cols} w=${useW}`);
        close(rstd[0]!, rstd[1]!, `rmsNorm rstd ${rows}x${cols}`);
        p.test.layerNorm(x, useW ? w : null, useW ? b : null, out[0]!, mean[0]!, rstd[0]!, rows, cols, 1e-5);
        p.expected.layerNorm(x, useW ? w : null, useW ? b : null, out[1]!, mean[1]!, rstd[1]!, rows, cols, 1e-5);
        close(out[0]!, out[1]!, `layerNorm ${rows}x${cols} w,b=${useW}`);
        close(mean[0]!, mean[1]!, `layerNorm mean ${rows}x${cols}`);
        close(rstd[0]!, rstd[1]!, `layerNorm rstd ${rows}x${cols}`);
      }
    }
});

forEachPair("rope normal/neox, forward/inverse, partial rotation, in place", (p) => {
  let seed = 1000;
  for (const [D, nRot] of [[2, 2], [8, 8], [64, 64], [66, 64], [33, 32], [128, 32]])
    for (const neox of [false, true])
      for (const inverse of [false, true]) {
        const P: RopeParams = { B: 2, T: 7, H: 3, D: D!, nRot: nRot!, neox, inverse, attnFactor: inverse ? 1 : 1.25 };
        const n = P.B * P.T * P.H * P.D;
        const x = randArray(n, seed++), r = rng(seed++);
        const pos = Int32Array.from({ length: P.B * P.T }, () => Math.floor(r(0, 5000)));
        const invFreq = Float32Array.from({ length: nRot! / 2 }, (_, i) => Math.pow(10000, (-2 * i) / nRot!));
        const got = new Float32Array(n), want = new Float32Array(n);
        p.test.rope(x, got, pos, invFreq, P);
        p.expected.rope(x, want, pos, invFreq, P);
        const tag = `rope D=${D} nRot=${nRot} neox=${neox} inverse=${inverse}`;
        close(got, want, tag);
        const inPlace = x.slice();
        p.test.rope(inPlace, inPlace, pos, invFreq, P);
        close(inPlace, want, `${tag} in place`);
      }
});

forEachPair("attention: causal, sliding window, additive mask, grouped-query, fully masked rows", (p) => {
  let seed = 1100;
  const cases: [number, number, number, number, number][] = [  // T, S, H, Hkv, D
    [1, 1, 1, 1, 1], [1, 33, 4, 2, 32], [7, 7, 2, 2, 7], [7, 40, 4, 1, 33], [33, 33, 2, 1, 64], [5, 31, 6, 3, 31],
  ];
  for (const [T, S, H, Hkv, D] of cases)
    for (const causal of [true, false])
      for (const window of [0, 5])
        for (const useMask of [false, true]) {
          const P: AttentionParams = { B: 2, T, S, H, Hkv, D, scale: 1 / Math.sqrt(D), causal, window, qPos0: S - T };
          const q = randArray(2 * T * H * D, seed++, -2, 2), k = randArray(2 * S * Hkv * D, seed++, -2, 2);
          const v = randArray(2 * S * Hkv * D, seed++);
          const mask = useMask ? randArray(T * S, seed++, -1, 1) : null;
          if (mask) {
            if (S > 1) mask[0] = -Infinity;
            if (T > 1) mask.fill(-Infinity, S, 2 * S);  // query 1 sees nothing
          }
          const got = [new Float32Array(q.length), new Float32Array(2 * H * T)];
          const want = [new Float32Array(q.length), new Float32Array(2 * H * T)];
          p.test.attention(q, k, v, mask, got[0]!, got[1]!, P);
          p.expected.attention(q, k, v, mask, want[0]!, want[1]!, P);
          const tag = `attention T=${T} S=${S} H=${H}/${Hkv} D=${D} causal=${causal} window=${window} mask=${useMask}`;
          close(got[0]!, want[0]!, tag);
          close(got[1]!, want[1]!, `${tag} lse`);
        }
});

forEachPair("gather and scatterAdd with repeated ids", (p) => {
  let seed = 1200;
  for (const C of SIZES) {
    const rows = 9, table = randArray(rows * C, seed++);
    const ids = Int32Array.from([3, 0, 8, 3, 3, 1, 7]);
    const got = new Float32Array(ids.length * C), want = new Float32Array(ids.length * C);
    p.test.gather(table, ids, got, C);
    p.expected.gather(table, ids, want, C);
    close(got, want, `gather C=${C}`);
    const dy = randArray(ids.length * C, seed++), g0 = randArray(rows * C, seed++), g1 = g0.slice();
    p.test.scatterAdd(g0, ids, dy, C);
    p.expected.scatterAdd(g1, ids, dy, C);
    close(g0, g1, `scatterAdd C=${C}`);
  }
});
