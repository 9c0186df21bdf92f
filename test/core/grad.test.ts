// Finite-difference checks of every differentiable op, on every available backend.
import { describe, it } from "node:test";
import * as W from "../../src/core/index.js";
import { Rng, Tensor, fromArray } from "../../src/core/index.js";
import { gradcheck } from "../helpers/gradcheck.js";
import { availableBackends, withBackend } from "../helpers/backends.js";

const rng = new Rng(1234);
const leaf = (shape: number[], lo = -1, hi = 1): Tensor => W.rand(shape, { rng, lo, hi, requiresGrad: true });
const ids = (vals: number[], shape = [vals.length]): Tensor => fromArray(Int32Array.from(vals), shape);

type Case = [string, () => void];

const cases: Case[] = [
  ["add (broadcast)", () => gradcheck("add", W.add, [leaf([2, 3, 4]), leaf([3, 1])])],
  ["sub (broadcast)", () => gradcheck("sub", W.sub, [leaf([4]), leaf([2, 4])])],
  ["mul (broadcast)", () => gradcheck("mul", W.mul, [leaf([2, 3]), leaf([1, 3])])],
  ["div", () => gradcheck("div", W.div, [leaf([2, 3]), leaf([2, 3], 0.5, 2)])],
  ["pow", () => gradcheck("pow", W.pow, [leaf([5], 0.5, 2), leaf([5], -1, 2)])],
  ["pow scalar", () => gradcheck("pow", (x) => W.pow(x, 3), [leaf([5])])],
  ["maximum/minimum", () => gradcheck("max", (a, b) => W.add(W.maximum(a, b), W.minimum(a, b)), [leaf([6]), leaf([6])])],
  ["neg", () => gradcheck("neg", W.neg, [leaf([7])])],
  ["exp", () => gradcheck("exp", W.exp, [leaf([7])])],
  ["log", () => gradcheck("log", W.log, [leaf([7], 0.5, 3)])],
  ["sqrt", () => gradcheck("sqrt", W.sqrt, [leaf([7], 0.5, 3)])],
  ["rsqrt", () => gradcheck("rsqrt", W.rsqrt, [leaf([7], 0.5, 3)])],
  ["abs", () => gradcheck("abs", W.abs, [leaf([7])])],
  ["relu", () => gradcheck("relu", W.relu, [leaf([7])])],
  ["sigmoid", () => gradcheck("sigmoid", W.sigmoid, [leaf([7], -4, 4)])],
  ["tanh", () => gradcheck("tanh", W.tanh, [leaf([7], -3, 3)])],
  ["silu", () => gradcheck("silu", W.silu, [leaf([7], -4, 4)])],
  ["gelu tanh", () => gradcheck("gelu", (x) => W.gelu(x, "tanh"), [leaf([7], -4, 4)])],
  ["gelu erf", () => gradcheck("gelu", (x) => W.gelu(x, "none"), [leaf([7], -4, 4)])],
  ["affine", () => gradcheck("affine", (x) => W.affine(x, 2.5, -1), [leaf([3])])],
  ["sum axes", () => gradcheck("sum", (x) => W.sum(x, [0, 2], true), [leaf([2, 3, 4])])],
  ["sum all", () => gradcheck("sum", (x) => W.sum(x), [leaf([2, 3])])],
  ["mean", () => gradcheck("mean", (x) => W.mean(x, 1), [leaf([2, 5])])],
  ["max", () => gradcheck("max", (x) => W.max(x, 0), [leaf([4, 3])])],
  ["matmul", () => gradcheck("matmul", W.matmul, [leaf([3, 4]), leaf([4, 5])])],
  ["matmul batched+broadcast", () => gradcheck("matmul", W.matmul, [leaf([2, 3, 4]), leaf([4, 2])])],
  ["matmul transposed views", () => gradcheck("matmul", (a, b) => W.matmul(W.transpose(a), W.transpose(b)), [leaf([4, 3]), leaf([2, 4])])],
  ["linear", () => gradcheck("linear", (x, w, b) => W.linear(x, w, b), [leaf([2, 3, 4]), leaf([5, 4]), leaf([5])])],
  ["softmax", () => gradcheck("softmax", (x) => W.softmax(x), [leaf([3, 5], -2, 2)])],
  ["softmax axis 0", () => gradcheck("softmax", (x) => W.softmax(x, 0), [leaf([3, 5], -2, 2)])],
  ["logSoftmax", () => gradcheck("logSoftmax", (x) => W.logSoftmax(x), [leaf([3, 5], -2, 2)])],
  ["rmsNorm", () => gradcheck("rmsNorm", (x, w) => W.rmsNorm(x, w, 1e-5), [leaf([3, 6]), leaf([6])])],
  ["layerNorm", () => gradcheck("layerNorm", (x, w, b) => W.layerNorm(x, w, b, 1e-5), [leaf([3, 6]), leaf([6]), leaf([6])])],
  ["embedding", () => gradcheck("embedding", (t) => W.embedding(t, ids([2, 0, 2, 1], [2, 2])), [leaf([3, 4])])],
  ["rope llama", () => gradcheck("rope", (x) => W.rope(x, 3, { base: 100 }), [leaf([2, 3, 2, 6])])],
  ["rope neox partial", () => gradcheck("rope", (x) => W.rope(x, Int32Array.of(0, 5, 9), { neox: true, nRot: 4, attnFactor: 1.3 }), [leaf([1, 3, 2, 6])])],
  ["attention causal GQA", () => gradcheck("attention", (q, k, v) => W.attention(q, k, v), [leaf([1, 3, 4, 4]), leaf([1, 3, 2, 4]), leaf([1, 3, 2, 4])])],
  ["attention window+mask+offset", () => gradcheck("attention",
    (q, k, v) => W.attention(q, k, v, { window: 2, mask: W.rand([2, 4], { rng: new Rng(3) }), qPos0: 2 }),
    [leaf([2, 2, 2, 3]), leaf([2, 4, 1, 3]), leaf([2, 4, 1, 3])])],
  ["crossEntropy", () => gradcheck("crossEntropy", (x) => W.crossEntropy(x, ids([1, -100, 3])), [leaf([3, 5], -2, 2)])],
  ["crossEntropy smoothing", () => gradcheck("crossEntropy", (x) => W.crossEntropy(x, ids([1, 0, 3]), { labelSmoothing: 0.1 }), [leaf([3, 5], -2, 2)])],
  ["concat/split/slice", () => gradcheck("concat", (a, b) => {
    const [p, q] = W.split(W.concat([a, b], 1), [3, 2], 1);
    return W.mul(W.slice(p!, 0, 1), W.sum(q!, 1, true));
  }, [leaf([2, 2]), leaf([2, 3])])],
  ["permute/reshape/expand", () => gradcheck("views", (a) => W.reshape(W.expand(W.permute(a, [1, 0, 2]), [2, 3, 2, 2]), [6, 4]), [leaf([2, 1, 2])])],
  ["where/maskedFill", () => gradcheck("where", (a, b) => W.maskedFill(W.where(ids([1, 0, 1, 0]), a, b), ids([0, 0, 0, 1]), 5), [leaf([4]), leaf([4])])],
  ["dropout", () => gradcheck("dropout", (x) => W.dropout(x, 0.3, { rng: new Rng(9) }), [leaf([10])])],
];

for (const backend of availableBackends()) {
  describe(`gradients on ${backend}`, () => {
    for (const [name, body] of cases) it(name, () => withBackend(backend, body));
  });
}
