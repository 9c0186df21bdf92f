// Tensor storage, views, dtypes, RNG determinism and autograd bookkeeping.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as W from "../../src/core/index.js";
import { Rng, tensor } from "../../src/core/index.js";
import { f16ToF32, f32ToF16, f32ToBf16, bf16ToF32 } from "../../src/dtype/half.js";

describe("tensor views", () => {
  it("transpose and slice are views sharing storage", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const t = W.transpose(x);
    assert.equal(t.storage, x.storage);
    assert.deepEqual(t.shape, [3, 2]);
    assert.deepEqual(t.toArray(), [1, 4, 2, 5, 3, 6]);
    const s = W.slice(x, 1, 1, 3);
    assert.equal(s.storage, x.storage);
    assert.deepEqual(s.toArray(), [2, 3, 5, 6]);
  });
  it("expand broadcasts with stride 0 and reshape of a view copies", () => {
    const x = tensor([[1], [2]]);
    const e = W.expand(x, [2, 3]);
    assert.deepEqual(e.strides, [1, 0]);
    assert.deepEqual(e.toArray(), [1, 1, 1, 2, 2, 2]);
    assert.deepEqual(W.reshape(W.transpose(tensor([[1, 2], [3, 4]])), [4]).toArray(), [1, 3, 2, 4]);
  });
  it("reshape infers -1", () => assert.deepEqual(W.reshape(W.zeros([2, 6]), [3, -1]).shape, [3, 4]));
  it("concat and split round trip", () => {
    const a = tensor([[1, 2]]), b = tensor([[3, 4], [5, 6]]);
    const c = W.concat([a, b], 0);
    assert.deepEqual(c.toArray(), [1, 2, 3, 4, 5, 6]);
    const [p, q] = W.split(c, [1, 2], 0);
    assert.deepEqual(q!.toArray(), [3, 4, 5, 6]);
    assert.deepEqual(p!.shape, [1, 2]);
  });
  it("matmul on transposed and batched views equals explicit copies", () => {
    const rng = new Rng(5);
    const a = W.randn([2, 4, 3], { rng }), b = W.randn([5, 4], { rng });
    const viaView = W.matmul(W.transpose(a), W.transpose(b));
    const viaCopy = W.matmul(W.contiguous(W.transpose(a)), W.contiguous(W.transpose(b)));
    const [x, y] = [viaView.toArray(), viaCopy.toArray()];
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= 1e-5 * (1 + Math.abs(y[i]!)), `element ${i}: ${v} vs ${y[i]}`));
    assert.deepEqual(viaView.shape, [2, 3, 5]);
  });
});

describe("dtypes", () => {
  it("f16 conversion is exact on representable values and rounds to nearest even", () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8]) assert.equal(f16ToF32(f32ToF16(v)), v);
    assert.equal(f16ToF32(f32ToF16(1 + 2 ** -11)), 1); // tie rounds to even
    assert.equal(f16ToF32(f32ToF16(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
    assert.equal(f16ToF32(f32ToF16(1e6)), Infinity);
    assert.ok(Number.isNaN(f16ToF32(f32ToF16(NaN))));
  });
  it("bf16 conversion rounds to nearest even", () => {
    assert.equal(bf16ToF32(f32ToBf16(1 + 2 ** -8)), 1);
    assert.equal(bf16ToF32(f32ToBf16(1 + 3 * 2 ** -8)), 1 + 2 ** -6);
    assert.ok(Number.isNaN(bf16ToF32(f32ToBf16(NaN))));
  });
  it("f16 and bf16 tensors compute in f32", () => {
    const x = tensor([1.5, -2.25], [2], { dtype: "f16" });
    assert.deepEqual(W.add(x, 1).toArray(), [2.5, -1.25]);
    assert.equal(W.add(x, 1).dtype, "f32");
    assert.deepEqual(tensor([3, 4], [2], { dtype: "bf16" }).to("f32").toArray(), [3, 4]);
  });
});

describe("rng", () => {
  it("same seed gives the same stream", () => {
    const a = new Rng(42), b = new Rng(42);
    for (let i = 0; i < 100; i++) assert.equal(a.nextU32(), b.nextU32());
    assert.notEqual(new Rng(1).nextU32(), new Rng(2).nextU32());
  });
  it("normal samples have mean ~0 and variance ~1", () => {
    const r = new Rng(3);
    let s = 0, s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    assert.ok(Math.abs(s / n) < 0.03);
    assert.ok(Math.abs(s2 / n - 1) < 0.05);
  });
  it("state round trips", () => {
    const r = new Rng(9);
    r.normal();
    const st = r.state();
    const x = [r.normal(), r.uniform()];
    r.restore(st);
    assert.deepEqual([r.normal(), r.uniform()], x);
  });
});

describe("autograd bookkeeping", () => {
  it("gradients accumulate across backward calls", () => {
    const x = W.ones([3], { requiresGrad: true });
    W.backward(W.sum(W.mul(x, 2)));
    W.backward(W.sum(W.mul(x, 3)));
    assert.deepEqual(x.grad!.toArray(), [5, 5, 5]);
  });
  it("noGrad records nothing and detach cuts the tape", () => {
    const x = W.ones([2], { requiresGrad: true });
    const y = W.noGrad(() => W.mul(x, 2));
    assert.equal(y.requiresGrad, false);
    assert.equal(W.mul(x, 2).detach().requiresGrad, false);
  });
  it("a tensor used twice receives both gradients", () => {
    const x = tensor([2], [1], { requiresGrad: true });
    W.backward(W.sum(W.mul(x, x)));
    assert.deepEqual(x.grad!.toArray(), [4]);
  });
  it("argmax and topk", () => {
    const x = tensor([[1, 5, 3], [7, 2, 7]]);
    assert.deepEqual(W.argmax(x).toArray(), [1, 0]);
    const { values, indices } = W.topk(x, 2);
    assert.deepEqual(values.toArray(), [5, 3, 7, 7]);
    assert.deepEqual(indices.toArray(), [1, 2, 0, 2]);
  });
});

describe("geluGgml", () => {
  it("stays within f16 precision of gelu and passes gelu's gradient through", () => {
    const xs = W.rand([64], { rng: new Rng(4), lo: -12, hi: 12, requiresGrad: true });
    const exact = W.gelu(xs, "tanh").toArray(), table = W.geluGgml(xs).toArray();
    table.forEach((v, i) => assert.ok(Math.abs(v - exact[i]!) <= 2e-3 * Math.max(1, Math.abs(exact[i]!)), `${v} vs ${exact[i]}`));
    W.backward(W.sum(W.geluGgml(xs)));
    const viaTable = xs.grad!.toArray();
    xs.grad = null;
    W.backward(W.sum(W.gelu(xs, "tanh")));
    assert.deepEqual(viaTable, xs.grad!.toArray());
  });
});
