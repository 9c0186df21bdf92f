// Adapts a raw addon function table to the kernel contract: maps op names to codes, validates sizes, routes
// linear over GGUF block types to the addon's quantised kernels, and hands types it lacks to a fallback kernel.
import type {
  AttentionParams, BinaryLayout, BinaryOp, F32, I32, Kernels, MatmulParams, PartialKernels, ReduceOp, RopeParams,
  UnaryOp,
} from "../contract.js";
import { ggmlType, type GgmlTypeName } from "../../dtype/ggml.js";
import { ShapeError, ValueError } from "../../util/errors.js";
import type { RawKernels } from "./addon.js";
import { dim, fits, idsFit, packLayout } from "./checks.js";

const UNARY_CODES: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, rsqrt: 4, abs: 5, relu: 6, sigmoid: 7, tanh: 8, silu: 9, geluTanh: 10, geluErf: 11,
};
const BINARY_CODES: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, max: 5, min: 6 };
const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, max: 1 };
/** Weight types the addon's linear handles, with their code and bytes per element. */
const LINEAR_TYPES: Partial<Record<GgmlTypeName, { code: number; bytes: number }>> = {
  F32: { code: 0, bytes: 4 },
  F16: { code: 1, bytes: 2 },
  BF16: { code: 2, bytes: 2 },
};

/** Block types the addon's quantised linear handles (their GGUF ids go to the addon). */
const QUANT_TYPES: ReadonlySet<GgmlTypeName> = new Set<GgmlTypeName>(
  ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"]);

/** The addon's quantised linear (absent from addons built before it): -1 ok, >= 0 index of a non-finite x. */
type QuantRaw = RawKernels & {
  linearQuant?(type: number, x: F32, w: Uint8Array, out: F32, M: number, N: number, K: number): number;
};

/** True when the native linear runs `type` itself (others go to the fallback). */
export function supportsLinear(type: GgmlTypeName): boolean {
  return LINEAR_TYPES[type] !== undefined || QUANT_TYPES.has(type);
}

function code<T extends string>(op: string, table: Record<T, number>, name: T): number {
  const c = table[name];
  if (c === undefined) throw new ValueError(op, `unknown op '${name}'`);
  return c;
}

function matmul(raw: RawKernels, a: F32, b: F32, out: F32, p: MatmulParams): void {
  const { batch, M, N, K } = p;
  for (const [k, v] of [["batch", batch], ["M", M], ["N", N], ["K", K], ["strideA", p.strideA],
    ["strideB", p.strideB], ["strideC", p.strideC]] as const) dim("matmul", k, v);
  if (batch === 0 || M === 0 || N === 0) return;
  fits("matmul", "a", a, (batch - 1) * p.strideA + M * K);
  fits("matmul", "b", b, (batch - 1) * p.strideB + K * N);
  fits("matmul", "out", out, (batch - 1) * p.strideC + M * N);
  raw.matmul(a, b, out, batch, M, N, K, p.transA ? 1 : 0, p.transB ? 1 : 0, p.strideA, p.strideB, p.strideC,
    p.accumulate ? 1 : 0);
}

function linearQuant(run: NonNullable<QuantRaw["linearQuant"]>, x: F32, w: Uint8Array, wType: GgmlTypeName,
  out: F32, M: number, N: number, K: number): void {
  const info = ggmlType(wType);
  dim("linear", "M", M);
  dim("linear", "N", N);
  dim("linear", "K", K);
  if (K % info.blockSize !== 0) {
    throw new ShapeError("linear", `K=${K} is not a multiple of the ${wType} block size ${info.blockSize}`);
  }
  fits("linear", "x", x, M * K);
  fits("linear", "out", out, M * N);
  const need = N * (K / info.blockSize) * info.typeSize;
  if (w.byteLength < need) throw new ShapeError("linear", `${wType} weight has ${w.byteLength} bytes but [${N}, ${K}] needs ${need}`);
  if (M === 0 || N === 0) return;
  const r = run(info.id, x, w, out, M, N, K);
  if (r >= 0) throw new ValueError("linear", `x element ${r} is ${x[r]}; only finite activations can be quantised to ${wType}'s dot type`);
  if (r !== -1) throw new ValueError("linear", `native ${wType} linear refused [${M}, ${N}, ${K}] (code ${r})`);
}

function linear(raw: QuantRaw, fallback: Pick<Kernels, "linear">, x: F32, w: Uint8Array, wType: GgmlTypeName,
  out: F32, M: number, N: number, K: number): void {
  const t = LINEAR_TYPES[wType];
  if (!t) {
    const q = raw.linearQuant;
    if (q && QUANT_TYPES.has(wType)) linearQuant(q, x, w, wType, out, M, N, K);
    else fallback.linear(x, w, wType, out, M, N, K);
    return;
  }
  dim("linear", "M", M);
  dim("linear", "N", N);
  dim("linear", "K", K);
  fits("linear", "x", x, M * K);
  fits("linear", "out", out, M * N);
  if (w.byteLength < N * K * t.bytes) {
    throw new ShapeError("linear", `${wType} weight has ${w.byteLength} bytes but [${N}, ${K}] needs ${N * K * t.bytes}`);
  }
  if (M === 0 || N === 0) return;
  raw.linear(x, w, t.code, out, M, N, K);
}

function rope(raw: RawKernels, x: F32, out: F32, positions: I32, invFreq: F32, p: RopeParams): void {
  const { B, T, H, D, nRot } = p;
  for (const [k, v] of [["B", B], ["T", T], ["H", H], ["D", D], ["nRot", nRot]] as const) dim("rope", k, v);
  if (nRot % 2 !== 0 || nRot > D) throw new ValueError("rope", `nRot must be even and <= D=${D} but is ${nRot}`);
  fits("rope", "x", x, B * T * H * D);
  fits("rope", "out", out, B * T * H * D);
  fits("rope", "positions", positions, B * T);
  fits("rope", "invFreq", invFreq, nRot / 2);
  raw.rope(x, out, positions, invFreq, B, T, H, D, nRot, p.neox ? 1 : 0, p.inverse ? 1 : 0, p.attnFactor);
}

function attention(raw: RawKernels, q: F32, k: F32, v: F32, mask: F32 | null, out: F32, lse: F32,
  p: AttentionParams): void {
  const { B, T, S, H, Hkv, D } = p;
  for (const [n, val] of [["B", B], ["T", T], ["S", S], ["H", H], ["Hkv", Hkv], ["D", D], ["window", p.window],
    ["qPos0", p.qPos0]] as const) dim("attention", n, val);
  if (Hkv === 0 || H % Hkv !== 0) throw new ShapeError("attention", `H=${H} is not a multiple of Hkv=${Hkv}`);
  fits("attention", "q", q, B * T * H * D);
  fits("attention", "k", k, B * S * Hkv * D);
  fits("attention", "v", v, B * S * Hkv * D);
  fits("attention", "out", out, B * T * H * D);
  fits("attention", "lse", lse, B * H * T);
  if (mask) fits("attention", "mask", mask, T * S);
  raw.attention(q, k, v, mask, out, lse, B, T, S, H, Hkv, D, p.scale, p.causal ? 1 : 0, p.window, p.qPos0);
}

/** The contract over a raw table. `fallback` runs linear for weight types the addon lacks. */
export function adapt(raw: RawKernels, name: string, fallback: Pick<Kernels, "linear">): PartialKernels {
  return {
    name,
    matmul: (a, b, out, p) => matmul(raw, a, b, out, p),
    linear: (x, w, wType, out, M, N, K) => linear(raw, fallback, x, w, wType, out, M, N, K),
    unary(op, x, out) {
      fits("unary", "out", out, x.length);
      raw.unary(code("unary", UNARY_CODES, op), x, out);
    },
    unaryBackward(op, x, y, dy, dx) {
      for (const [n, buf] of [["y", y], ["dy", dy], ["dx", dx]] as const) fits("unaryBackward", n, buf, x.length);
      raw.unaryBackward(code("unaryBackward", UNARY_CODES, op), x, y, dy, dx);
    },
    binary(op: BinaryOp, a: F32, b: F32, out: F32, layout: BinaryLayout) {
      const packed = packLayout("binary", layout, a.length, b.length, out.length);
      raw.binary(code("binary", BINARY_CODES, op), a, b, out, packed);
    },
    affine(x, out, alpha, beta) {
      fits("affine", "out", out, x.length);
      raw.affine(x, out, alpha, beta);
    },
    reduce(op, x, out, outer, n, inner) {
      for (const [k, v] of [["outer", outer], ["n", n], ["inner", inner]] as const) dim("reduce", k, v);
      fits("reduce", "x", x, outer * n * inner);
      fits("reduce", "out", out, outer * inner);
      raw.reduce(code("reduce", REDUCE_CODES, op), x, out, outer, n, inner);
    },
    softmax(x, out, rows, cols, log) {
      dim("softmax", "rows", rows);
      dim("softmax", "cols", cols);
      fits("softmax", "x", x, rows * cols);
      fits("softmax", "out", out, rows * cols);
      raw.softmax(x, out, rows, cols, log ? 1 : 0);
    },
    rmsNorm(x, w, out, rstd, rows, cols, eps) {
      dim("rmsNorm", "rows", rows);
      dim("rmsNorm", "cols", cols);
      for (const [k, buf, need] of [["x", x, rows * cols], ["out", out, rows * cols], ["rstd", rstd, rows]] as const)
        fits("rmsNorm", k, buf, need);
      if (w) fits("rmsNorm", "w", w, cols);
      raw.rmsNorm(x, w, out, rstd, rows, cols, eps);
    },
    layerNorm(x, w, b, out, mean, rstd, rows, cols, eps) {
      dim("layerNorm", "rows", rows);
      dim("layerNorm", "cols", cols);
      for (const [k, buf, need] of [["x", x, rows * cols], ["out", out, rows * cols], ["mean", mean, rows],
        ["rstd", rstd, rows]] as const) fits("layerNorm", k, buf, need);
      if (w) fits("layerNorm", "w", w, cols);
      if (b) fits("layerNorm", "b", b, cols);
      raw.layerNorm(x, w, b, out, mean, rstd, rows, cols, eps);
    },
    rope: (x, out, positions, invFreq, p) => rope(raw, x, out, positions, invFreq, p),
    attention: (q, k, v, mask, out, lse, p) => attention(raw, q, k, v, mask, out, lse, p),
    gather(table, ids, out, C) {
      dim("gather", "C", C);
      fits("gather", "out", out, ids.length * C);
      if (C > 0) idsFit("gather", ids, Math.floor(table.length / C));
      raw.gather(table, ids, out, C);
    },
    scatterAdd(grad, ids, dy, C) {
      dim("scatterAdd", "C", C);
      fits("scatterAdd", "dy", dy, ids.length * C);
      if (C > 0) idsFit("scatterAdd", ids, Math.floor(grad.length / C));
      raw.scatterAdd(grad, ids, dy, C);
    },
  };
}
