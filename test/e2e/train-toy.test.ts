// End to end: a 2-layer MLP and a 1-layer attention model learn toy tasks on every backend, with matching losses.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as W from "../../src/core/index.js";
import { Rng, Tensor, fromArray } from "../../src/core/index.js";
import { Module } from "../../src/nn/module.js";
import { Embedding, Linear, RMSNorm } from "../../src/nn/layers.js";
import { AdamW } from "../../src/train/optim.js";
import { availableBackends, withBackend } from "../helpers/backends.js";

class Mlp extends Module {
  l1: Linear;
  l2: Linear;
  constructor(rng: Rng) {
    super();
    this.l1 = Linear.init(2, 32, { bias: true, rng });
    this.l2 = Linear.init(32, 2, { bias: true, rng });
  }
  forward(x: Tensor): Tensor {
    return this.l2.forward(W.tanh(this.l1.forward(x)));
  }
}

/** Quadrant XOR: label 1 when x*y > 0. */
function xorData(n: number, rng: Rng): { x: Tensor; y: Tensor } {
  const xs = new Float32Array(n * 2), ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.uniform() * 2 - 1, b = rng.uniform() * 2 - 1;
    xs[2 * i] = a;
    xs[2 * i + 1] = b;
    ys[i] = a * b > 0 ? 1 : 0;
  }
  return { x: fromArray(xs, [n, 2]), y: fromArray(ys, [n]) };
}

function trainMlp(): number[] {
  const rng = new Rng(1);
  const model = new Mlp(rng);
  const { x, y } = xorData(128, rng);
  const opt = new AdamW(model.parameters(), { lr: 0.05, weightDecay: 0 });
  const losses: number[] = [];
  for (let step = 0; step < 300; step++) {
    const loss = W.crossEntropy(model.forward(x), y);
    losses.push(loss.item());
    opt.zeroGrad();
    W.backward(loss);
    opt.step();
  }
  return losses;
}

/** One attention layer (2 heads, RoPE) that must learn to output the previous token. */
class PrevToken extends Module {
  emb: Embedding;
  wq: Linear;
  wk: Linear;
  wv: Linear;
  wo: Linear;
  norm: RMSNorm;
  head: Linear;
  constructor(readonly V: number, readonly C: number, readonly H: number, rng: Rng) {
    super();
    this.emb = Embedding.init(V, C, { rng, std: 1 });
    this.wq = Linear.init(C, C, { rng });
    this.wk = Linear.init(C, C, { rng });
    this.wv = Linear.init(C, C, { rng });
    this.wo = Linear.init(C, C, { rng });
    this.norm = new RMSNorm(C);
    this.head = Linear.init(C, V, { rng });
  }
  forward(ids: Tensor): Tensor {
    const [B, T] = ids.shape as [number, number];
    const D = this.C / this.H;
    const x = this.emb.forward(ids);
    const split = (t: Tensor) => W.reshape(t, [B, T, this.H, D]);
    const q = W.rope(split(this.wq.forward(x)), 0);
    const k = W.rope(split(this.wk.forward(x)), 0);
    const a = W.attention(q, k, split(this.wv.forward(x)));
    const h = W.add(x, this.wo.forward(W.reshape(a, [B, T, this.C])));
    return this.head.forward(this.norm.forward(h));
  }
}

function trainPrevToken(): number[] {
  const rng = new Rng(2);
  const V = 8, T = 8, B = 16;
  const model = new PrevToken(V, 16, 2, rng);
  const opt = new AdamW(model.parameters(), { lr: 0.02, weightDecay: 0 });
  const losses: number[] = [];
  for (let step = 0; step < 200; step++) {
    const ids = new Int32Array(B * T), tg = new Int32Array(B * T);
    for (let i = 0; i < B * T; i++) ids[i] = rng.int(V);
    for (let i = 0; i < B * T; i++) tg[i] = i % T === 0 ? -100 : ids[i - 1]!;
    const logits = model.forward(fromArray(ids, [B, T]));
    const loss = W.crossEntropy(logits, fromArray(tg, [B, T]));
    losses.push(loss.item());
    opt.zeroGrad();
    W.backward(loss);
    opt.step();
  }
  return losses;
}

const tail = (xs: number[]) => xs.slice(-10).reduce((a, b) => a + b, 0) / 10;
const results = new Map<string, { mlp: number[]; attn: number[] }>();

describe("toy training end to end", () => {
  for (const backend of availableBackends()) {
    it(`${backend}: MLP learns quadrant XOR (loss < 0.1) and attention learns previous-token (loss < 0.15)`, () => {
      const mlp = withBackend(backend, trainMlp);
      const attn = withBackend(backend, trainPrevToken);
      results.set(backend, { mlp, attn });
      assert.ok(mlp[0]! > 0.5, `initial MLP loss ${mlp[0]}`);
      assert.ok(tail(mlp) < 0.1, `final MLP loss ${tail(mlp)}`);
      assert.ok(attn[0]! > 1.5, `initial attention loss ${attn[0]}`);
      assert.ok(tail(attn) < 0.15, `final attention loss ${tail(attn)}`);
    });
  }
  it("losses match across backends", (t) => {
    const ref = results.get("ref"), nat = results.get("native");
    if (!ref || !nat) return t.skip("native backend not built");
    for (const key of ["mlp", "attn"] as const) {
      ref[key].forEach((l, i) => assert.ok(Math.abs(l - nat[key][i]!) <= 1e-3 * Math.max(1, Math.abs(l)),
        `${key} step ${i}: ref ${l} vs native ${nat[key][i]}`));
    }
  });
});
