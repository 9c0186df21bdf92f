// The MoE layer: grouped expert matmuls equal a per-token loop over the chosen experts (slow twin) for f32 and typed
// banks; routing options; capacity dropping; finite-difference gradients of the layer, its aux losses and expert LoRA.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tensor, fromArray } from "../../src/core/tensor.js";
import { noGrad } from "../../src/core/autograd.js";
import { add } from "../../src/core/ops/binary.js";
import { Rng } from "../../src/core/rng.js";
import { Linear } from "../../src/nn/layers.js";
import { QuantLinear, QuantWeight } from "../../src/nn/quant-linear.js";
import { MoeFfn, SharedExpert, type MoeOptions } from "../../src/nn/moe.js";
import { ExpertBank, ExpertLoRA } from "../../src/nn/moe-experts.js";
import { routeTopK } from "../../src/nn/moe-ops.js";
import { kernels } from "../../src/backend/registry.js";
import { quantize } from "../../src/dtype/quants/index.js";
import type { GgmlTypeName } from "../../src/dtype/ggml.js";
import { gradcheck } from "../helpers/gradcheck.js";

const C = 8, F = 6, E = 4, M = 5;

function layer(o: MoeOptions, seed: number, shared = false): MoeFfn {
  const rng = new Rng(seed);
  const sh = shared ? new SharedExpert(Linear.init(C, 5, { rng }), Linear.init(C, 5, { rng }), Linear.init(5, C, { rng }), Linear.init(C, 1, { rng })) : null;
  return new MoeFfn(Linear.init(C, E, { rng, std: 1 }), ExpertBank.init(E, F, C, rng), ExpertBank.init(E, F, C, rng), ExpertBank.init(E, C, F, rng), sh, o);
}

function input(seed: number): Tensor {
  const rng = new Rng(seed);
  return fromArray(Float32Array.from({ length: M * C }, () => rng.normal()), [1, M, C], true);
}

const silu = (v: number) => v / (1 + Math.exp(-v));
const sigm = (v: number) => 1 / (1 + Math.exp(-v));

/** y = W x for W [N, K] given as a function of (row n) -> row values. */
function matvec(row: (n: number) => Float32Array, N: number, x: Float32Array): Float32Array {
  return Float32Array.from({ length: N }, (_, n) => row(n).reduce((s, w, k) => s + w * x[k]!, 0));
}

/** The slow twin: every token loops over its own chosen experts, in doubles. */
function perToken(l: MoeFfn, x: Float32Array): Float32Array {
  const rw = (l.router as Linear).weight.f32(), out = new Float32Array(M * C), K = l.opts.topK;
  const bank = (b: ExpertBank, e: number) => b.dense().f32().subarray(e * b.N * b.K, (e + 1) * b.N * b.K);
  for (let m = 0; m < M; m++) {
    const xm = x.subarray(m * C, (m + 1) * C);
    const logits = matvec((n) => rw.subarray(n * C, (n + 1) * C), E, xm);
    const mx = Math.max(...logits), ex = logits.map((v) => Math.exp(v - mx)), s = ex.reduce((a, b) => a + b, 0);
    const p = l.opts.gating === "softmax" ? ex.map((v) => v / s) : logits.map(sigm);
    const chosen = [...p.keys()].sort((a, b) => p[b]! - p[a]! || a - b).slice(0, K);
    const tot = chosen.reduce((a, e) => a + p[e]!, 0);
    for (const e of chosen) {
      const g = matvec((n) => bank(l.gateExps as ExpertBank, e).subarray(n * C, (n + 1) * C), F, xm);
      const u = matvec((n) => bank(l.upExps as ExpertBank, e).subarray(n * C, (n + 1) * C), F, xm);
      const h = g.map((v, i) => silu(v) * u[i]!);
      const d = matvec((n) => bank(l.downExps as ExpertBank, e).subarray(n * F, (n + 1) * F), C, h);
      const w = l.opts.normTopK ? p[e]! / tot : p[e]!;
      for (let c = 0; c < C; c++) out[m * C + c] += w * d[c]!;
    }
  }
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** Smallest gap between the K-th and (K+1)-th router logit over the tokens (finite differences need it > eps). */
function minGap(l: MoeFfn, x: Tensor): number {
  const lg = noGrad(() => l.router.forward(x)).f32(), K = l.opts.topK;
  let g = Infinity;
  for (let m = 0; m < M; m++) {
    const r = Array.from(lg.subarray(m * E, (m + 1) * E)).sort((a, b) => b - a);
    g = Math.min(g, r[K - 1]! - r[K]!);
  }
  return g;
}

describe("MoE layer", () => {
  const variants: [string, MoeOptions][] = [
    ["softmax top-2 renormalised", { topK: 2, gating: "softmax", normTopK: true }],
    ["softmax top-2 raw weights", { topK: 2, gating: "softmax", normTopK: false }],
    ["sigmoid top-3", { topK: 3, gating: "sigmoid", normTopK: true }],
    ["top-1", { topK: 1, gating: "softmax", normTopK: false }],
  ];
  for (const [name, o] of variants) {
    it(`${name}: grouped matmuls equal the per-token loop`, () => {
      const l = layer(o, 3), x = input(4);
      const y = noGrad(() => l.forward(x));
      assert.deepEqual(y.shape, [1, M, C]);
      assert.ok(maxDiff(y.f32(), perToken(l, x.f32())) < 1e-5);
      assert.equal(l.lastRouting!.offsets[E], M * o.topK);
    });
  }

  for (const type of ["F16", "Q8_0"] as GgmlTypeName[]) {
    it(`${type} expert banks (zero-copy rows) equal a per-token loop through the typed linear kernel`, () => {
      const Cq = 32, Fq = 64, rng = new Rng(9);
      const mk = (N: number, K: number) => {
        const w = Float32Array.from({ length: E * N * K }, () => rng.normal() / Math.sqrt(K));
        const bytes = quantize(type, w, K), per = bytes.byteLength / E;
        return ExpertBank.fromQuant(Array.from({ length: E }, (_, e) => new QuantWeight(bytes.subarray(e * per, (e + 1) * per), type, N, K)));
      };
      const router = Linear.init(Cq, E, { rng, std: 1 });
      const l = new MoeFfn(router, mk(Fq, Cq), mk(Fq, Cq), mk(Cq, Fq), null, { topK: 2, gating: "softmax", normTopK: true });
      const T = 7, x = fromArray(Float32Array.from({ length: T * Cq }, () => rng.normal()), [T, Cq]);
      const y = noGrad(() => l.forward(x)).f32(), r = l.lastRouting!, w = l.lastWeights!;
      const lin = (b: ExpertBank, e: number, v: Float32Array) => {
        const q = b.quant![e]!, out = new Float32Array(q.N);
        kernels().linear(v, q.bytes, q.type, out, 1, q.N, q.K);
        return out;
      };
      for (let m = 0; m < T; m++) {
        const xm = x.f32().slice(m * Cq, (m + 1) * Cq), acc = new Float32Array(Cq);
        for (let j = 0; j < 2; j++) {
          const e = r.experts[m * 2 + j]!, g = lin(l.gateExps as ExpertBank, e, xm), u = lin(l.upExps as ExpertBank, e, xm);
          const d = lin(l.downExps as ExpertBank, e, g.map((v, i) => silu(v) * u[i]!));
          d.forEach((v, c) => (acc[c] += w[m * 2 + j]! * v));
        }
        assert.ok(maxDiff(y.subarray(m * Cq, (m + 1) * Cq), acc) < 1e-4, `token ${m}`);
      }
    });
  }

  it("routing: descending choices, ties to the lower index, capacity drops late tokens first", () => {
    const probs = Float32Array.from([0.1, 0.5, 0.5, 0.2, 0.7, 0.1, 0.1, 0.3, 0.6, 0.2, 0.1, 0.4]);
    const r = routeTopK(probs, 3, 4, 2);
    assert.deepEqual(Array.from(r.experts), [1, 2, 0, 3, 0, 3]);
    assert.deepEqual(Array.from(r.counts), [2, 1, 1, 2]);
    const c = routeTopK(probs, 3, 4, 2, 1);
    assert.equal(c.dropped, 2);
    assert.deepEqual(Array.from(c.slot), [1, 2, 0, 3, -1, -1]);
  });

  it("capacity factor drops assignments beyond ceil(f * M * K / E) and they add nothing", () => {
    const l = layer({ topK: 2, gating: "softmax", normTopK: false }, 3), x = input(4);
    l.capacityFactor = 0.5;
    const y = noGrad(() => l.forward(x)).f32(), r = l.lastRouting!, cap = Math.ceil((0.5 * M * 2) / E);
    for (let e = 0; e < E; e++) assert.ok(r.offsets[e + 1]! - r.offsets[e]! <= cap);
    assert.equal(r.dropped, M * 2 - r.offsets[E]!);
    assert.ok(r.dropped > 0);
    const full = layer({ topK: 2, gating: "softmax", normTopK: false }, 3);
    const ref = noGrad(() => full.forward(x)).f32();
    for (let m = 0; m < M; m++) {
      if (r.slot[m * 2] === -1 && r.slot[m * 2 + 1] === -1) assert.ok(maxDiff(y.subarray(m * C, (m + 1) * C), new Float32Array(C)) === 0);
      if (r.slot[m * 2] !== -1 && r.slot[m * 2 + 1] !== -1) assert.ok(maxDiff(y.subarray(m * C, (m + 1) * C), ref.subarray(m * C, (m + 1) * C)) === 0);
    }
  });

  it("gradients (x, router, experts, shared expert) match finite differences", () => {
    for (const [o, seed] of [[{ topK: 2, gating: "softmax", normTopK: true }, 3], [{ topK: 2, gating: "sigmoid", normTopK: false }, 5]] as const) {
      const l = layer(o, seed, true), x = input(seed + 1);
      assert.ok(minGap(l, x) > 0.05, `router gap ${minGap(l, x)} too small for finite differences`);
      const params = l.parameters();
      gradcheck(`moe ${o.gating}`, (xx) => l.forward(xx), [x, ...params], { eps: 1e-3, rtol: 2e-2, atol: 2e-3 });
      void l.lastAux;
      assert.equal(l.parameters().length, params.length, "routing state is not taken for parameters");
    }
  });

  it("load-balancing and z-loss gradients match finite differences; balanced routing scores 1", () => {
    const l = layer({ topK: 2, gating: "softmax", normTopK: true }, 3), x = input(4);
    const aux = (xx: Tensor) => {
      l.forward(xx);
      return add(l.lastAux!.balance, l.lastAux!.z);
    };
    gradcheck("moe aux", aux, [x, (l.router as Linear).weight], { eps: 1e-3, rtol: 2e-2, atol: 2e-3 });
    const uniform = new MoeFfn(new Linear(fromArray(new Float32Array(E * C), [E, C], true)), ExpertBank.init(E, F, C), ExpertBank.init(E, F, C),
      ExpertBank.init(E, C, F), null, { topK: E, gating: "softmax", normTopK: true });
    uniform.forward(x);
    assert.ok(Math.abs(uniform.lastAux!.balance.item() - 1) < 1e-6);
    assert.ok(Math.abs(uniform.lastAux!.z.item() - Math.log(E) ** 2) < 1e-5);
  });

  it("expert LoRA starts as the identity update, trains by finite-difference-correct gradients, fuses to the same function", () => {
    const l = layer({ topK: 2, gating: "softmax", normTopK: true }, 3), x = input(4);
    const before = noGrad(() => l.forward(x)).f32().slice();
    l.freeze();
    l.upExps = ExpertLoRA.fromBase(l.upExps as ExpertBank, { rank: 2, alpha: 4, rng: new Rng(1) });
    l.downExps = ExpertLoRA.fromBase(l.downExps as ExpertBank, { rank: 2, alpha: 4, rng: new Rng(2) });
    assert.deepEqual(Array.from(noGrad(() => l.forward(x)).f32()), Array.from(before));
    const up = l.upExps as ExpertLoRA, down = l.downExps as ExpertLoRA;
    const rng = new Rng(5);
    for (const t of [up.loraB, down.loraB]) (t.storage as Float32Array).forEach((_, i, a) => (a[i] = rng.normal() * 0.3));
    assert.deepEqual(l.trainableParameters().map(([n]) => n), ["upExps.loraA", "upExps.loraB", "downExps.loraA", "downExps.loraB"]);
    gradcheck("expert lora", (xx) => l.forward(xx), [x, up.loraA, up.loraB, down.loraA, down.loraB], { eps: 1e-3, rtol: 2e-2, atol: 2e-3 });
    const adapted = noGrad(() => l.forward(x)).f32().slice();
    l.upExps = up.fuse();
    l.downExps = down.fuse();
    assert.ok(maxDiff(noGrad(() => l.forward(x)).f32(), adapted) < 1e-5);
  });

  it("refuses mismatched banks and bad top-k with typed errors", () => {
    const rng = new Rng(1);
    assert.throws(() => new MoeFfn(Linear.init(C, E, { rng }), ExpertBank.init(3, F, C), ExpertBank.init(E, F, C), ExpertBank.init(E, C, F), null,
      { topK: 2, gating: "softmax", normTopK: true }), /router has 4 outputs but the gate experts number 3/);
    assert.throws(() => layer({ topK: 5, gating: "softmax", normTopK: true }, 1), /top-k must be in \[1, 4\]/);
    const q = new QuantLinear(new QuantWeight(new Uint8Array(E * C * 4), "F32", E, C));
    assert.throws(() => new MoeFfn(q, ExpertBank.init(E, F, C), ExpertBank.init(E, F, C), ExpertBank.init(E, C, F), null,
      { topK: 2, gating: "softmax", normTopK: true }).forward(fromArray(new Float32Array(7), [1, 7])), /does not end in 8/);
  });
});
