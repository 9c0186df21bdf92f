// Banks of E expert matrices W_e [N, K] with grouped matmuls: the routed rows of expert e (contiguous, see
// moe-ops.ts) meet W_e in one kernel call. A bank is frozen typed bytes (one QuantWeight per expert: row slices of a
// GGUF 3-D tensor, no copy) or a trainable f32 [E, N, K] parameter; ExpertLoRA adds a per-expert low-rank update.
// Banks take (x, offsets), so they are deliberately not LinearLike (module swaps for projections skip them).
import { Tensor, fromArray, zeros } from "../core/tensor.js";
import { record, noGrad } from "../core/autograd.js";
import { add, mul } from "../core/ops/binary.js";
import { f32Tensor, floatData } from "../core/ops/util.js";
import { fmt } from "../core/shape.js";
import { kernels } from "../backend/registry.js";
import type { MatmulParams } from "../backend/contract.js";
import { Rng } from "../core/rng.js";
import { ArgumentError, ShapeError } from "../util/errors.js";
import { Module } from "./module.js";
import type { QuantWeight } from "./quant-linear.js";
import { loraScale, type LoraOptions } from "./lora.js";

function mm(a: Float32Array, b: Float32Array, out: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean): void {
  if (M === 0 || N === 0) return;
  const p: MatmulParams = { batch: 1, M, N, K, transA, transB, strideA: 0, strideB: 0, strideC: 0, accumulate: false };
  kernels().matmul(a, b, out, p);
}

function checkInput(x: Tensor, offsets: Int32Array, E: number, K: number): number {
  const P = offsets[E]!;
  if (x.rank !== 2 || x.shape[0] !== P || x.shape[1] !== K) {
    throw new ShapeError("experts", `routed input ${fmt(x.shape)} is not [${P}, ${K}]`);
  }
  return P;
}

/** x [P, K] (rows grouped by expert) x W [E, N, K] -> [P, N]; gradients to x and W. */
export function groupedMatmul(x: Tensor, w: Tensor, offsets: Int32Array): Tensor {
  const [E, N, K] = w.shape as [number, number, number];
  const P = checkInput(x, offsets, E, K), xd = floatData("experts", x), wd = floatData("experts", w);
  const out = new Float32Array(P * N);
  for (let e = 0; e < E; e++) {
    const a = offsets[e]!, b = offsets[e + 1]!;
    mm(xd.subarray(a * K, b * K), wd.subarray(e * N * K, (e + 1) * N * K), out.subarray(a * N, b * N), b - a, N, K, false, true);
  }
  return record(f32Tensor(out, [P, N]), "groupedMatmul", [x, w], (g) => {
    const gd = g.f32(), gx = x.requiresGrad ? new Float32Array(P * K) : null, gw = w.requiresGrad ? new Float32Array(E * N * K) : null;
    for (let e = 0; e < E; e++) {
      const a = offsets[e]!, b = offsets[e + 1]!, We = wd.subarray(e * N * K, (e + 1) * N * K), ge = gd.subarray(a * N, b * N);
      if (gx) mm(ge, We, gx.subarray(a * K, b * K), b - a, K, N, false, false);
      if (gw && b > a) mm(ge, xd.subarray(a * K, b * K), gw.subarray(e * N * K, (e + 1) * N * K), N, K, b - a, true, false);
    }
    return [gx && f32Tensor(gx, x.shape), gw && f32Tensor(gw, w.shape)];
  });
}

/** x [P, K] x frozen typed W_e -> [P, N] through the backend's `linear` (activations rounded as llama.cpp does). */
export function groupedQuant(x: Tensor, banks: readonly QuantWeight[], offsets: Int32Array): Tensor {
  const E = banks.length, { N, K } = banks[0]!;
  const P = checkInput(x, offsets, E, K), xd = floatData("experts", x), out = new Float32Array(P * N);
  for (let e = 0; e < E; e++) {
    const a = offsets[e]!, b = offsets[e + 1]!;
    if (b > a) kernels().linear(xd.subarray(a * K, b * K), banks[e]!.bytes, banks[e]!.type, out.subarray(a * N, b * N), b - a, N, K);
  }
  return record(f32Tensor(out, [P, N]), "groupedQuant", [x], (g) => {
    const gd = g.f32(), gx = new Float32Array(P * K);
    for (let e = 0; e < E; e++) {
      const a = offsets[e]!, b = offsets[e + 1]!;
      if (b > a) mm(gd.subarray(a * N, b * N), banks[e]!.dequantize().f32(), gx.subarray(a * K, b * K), b - a, K, N, false, false);
    }
    return [f32Tensor(gx, x.shape)];
  });
}

/** E expert matrices [N, K]: typed frozen bytes or one f32 parameter [E, N, K]. */
export class ExpertBank extends Module {
  private constructor(readonly E: number, readonly N: number, readonly K: number, public weight: Tensor | null,
    readonly quant: readonly QuantWeight[] | null) {
    super();
  }

  static fromQuant(banks: readonly QuantWeight[]): ExpertBank {
    if (banks.length === 0) throw new ArgumentError("experts", "an expert bank needs at least one expert");
    const { N, K, type } = banks[0]!;
    for (const b of banks) {
      if (b.N !== N || b.K !== K || b.type !== type) throw new ShapeError("experts", `expert [${b.N}, ${b.K}] ${b.type} differs from [${N}, ${K}] ${type}`);
    }
    return new ExpertBank(banks.length, N, K, null, banks);
  }

  static fromParam(w: Tensor): ExpertBank {
    if (w.rank !== 3) throw new ShapeError("experts", `expert weights must be [E, N, K] but are ${fmt(w.shape)}`);
    return new ExpertBank(w.shape[0]!, w.shape[1]!, w.shape[2]!, w, null);
  }

  /** Fresh trainable experts, std 1/sqrt(K). */
  static init(E: number, N: number, K: number, rng = new Rng(0)): ExpertBank {
    const v = Float32Array.from({ length: E * N * K }, () => rng.normal() / Math.sqrt(K));
    return ExpertBank.fromParam(fromArray(v, [E, N, K], true));
  }

  /** x [P, K] grouped by expert (offsets [E+1]) -> [P, N]. */
  forward(x: Tensor, offsets: Int32Array): Tensor {
    return this.weight ? groupedMatmul(x, this.weight, offsets) : groupedQuant(x, this.quant!, offsets);
  }

  /** All experts as f32 [E, N, K] (a copy for typed banks, the live parameter otherwise). */
  dense(): Tensor {
    if (this.weight) return this.weight;
    const out = new Float32Array(this.E * this.N * this.K);
    this.quant!.forEach((q, e) => out.set(q.dequantize().f32(), e * this.N * this.K));
    return f32Tensor(out, [this.E, this.N, this.K]);
  }
}

/** Per-expert LoRA: y_e = W_e x + scale * B_e A_e x, A [E, R, K], B [E, N, R] (B = 0 at start). */
export class ExpertLoRA extends Module {
  constructor(readonly base: ExpertBank, public loraA: Tensor, public loraB: Tensor, readonly scale: number) {
    super();
  }

  static fromBase(base: ExpertBank, o: LoraOptions): ExpertLoRA {
    if (!Number.isInteger(o.rank) || o.rank < 1) throw new ArgumentError("lora", `rank must be a positive integer but is ${o.rank}`);
    base.freeze();
    const rng = o.rng ?? new Rng(0), bound = 1 / Math.sqrt(base.K);
    const a = Float32Array.from({ length: base.E * o.rank * base.K }, () => (rng.uniform() * 2 - 1) * bound);
    return new ExpertLoRA(base, fromArray(a, [base.E, o.rank, base.K], true), zeros([base.E, base.N, o.rank], { requiresGrad: true }), loraScale(o));
  }

  get E(): number {
    return this.base.E;
  }

  forward(x: Tensor, offsets: Int32Array): Tensor {
    const low = groupedMatmul(groupedMatmul(x, this.loraA, offsets), this.loraB, offsets);
    return add(this.base.forward(x, offsets), mul(low, this.scale));
  }

  /** An f32 bank with the update folded in (frozen, like LoRALinear.fuse). */
  fuse(): ExpertBank {
    return noGrad(() => {
      const { E, N, K } = this.base, R = this.loraA.shape[1]!, w = this.base.dense().f32().slice();
      const a = this.loraA.f32(), b = this.loraB.f32(), d = new Float32Array(N * K);
      for (let e = 0; e < E; e++) {
        mm(b.subarray(e * N * R, (e + 1) * N * R), a.subarray(e * R * K, (e + 1) * R * K), d, N, K, R, false, false);
        for (let i = 0; i < N * K; i++) w[e * N * K + i] = w[e * N * K + i]! + this.scale * d[i]!;
      }
      return ExpertBank.fromParam(fromArray(w, [E, N, K]));
    });
  }
}

export type ExpertLayer = ExpertBank | ExpertLoRA;
