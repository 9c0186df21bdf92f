// Sparse mixture-of-experts feed-forward: a router (softmax or sigmoid gating) picks K of E SiLU-gated experts per
// token, optionally renormalises their weights, and runs grouped expert matmuls (tokens gathered per expert); an
// optional shared expert with a sigmoid gate (qwen2moe) is added. Training extras: Switch load-balancing loss,
// router z-loss, capacity factor with token dropping, and per-expert load counters.
import { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { add, div, mul } from "../core/ops/binary.js";
import { exp, log, sigmoid, silu } from "../core/ops/unary.js";
import { softmax } from "../core/ops/softmax.js";
import { max, mean, sum } from "../core/ops/reduce.js";
import { reshape } from "../core/ops/view.js";
import { fmt } from "../core/shape.js";
import { ArgumentError, ShapeError } from "../util/errors.js";
import { Module } from "./module.js";
import type { LinearLike } from "./linear-like.js";
import type { ExpertLayer } from "./moe-experts.js";
import { chosenWeights, combineRouted, gatherRouted, routeTopK, type Routing } from "./moe-ops.js";

export interface MoeOptions {
  /** K: experts per token. */
  topK: number;
  gating: "softmax" | "sigmoid";
  /** Renormalise the K chosen weights to sum to 1. */
  normTopK: boolean;
}

/** The always-on expert of qwen2moe: down(silu(gate(x)) * up(x)) scaled by sigmoid(gateInp(x)). */
export class SharedExpert extends Module {
  constructor(readonly gate: LinearLike, readonly up: LinearLike, readonly down: LinearLike, readonly gateInp: LinearLike) {
    super();
  }

  forward(x: Tensor): Tensor {
    const h = this.down.forward(mul(silu(this.gate.forward(x)), this.up.forward(x)));
    return mul(h, sigmoid(this.gateInp.forward(x)));
  }
}

/** Auxiliary losses of a forward. */
export interface MoeAux {
  /** Switch load-balancing loss E * sum_e f_e P_e (1 when perfectly balanced). */
  balance: Tensor;
  /** Router z-loss: mean over tokens of logsumexp(logits)^2. */
  z: Tensor;
}

/** What the aux losses need from a forward. A class, not a plain record, so the Module walk does not take its
 *  tensors for parameters. */
class Routed {
  aux: MoeAux | null = null;
  constructor(readonly logits: Tensor, readonly probs: Tensor, readonly r: Routing) {}
}

export class MoeFfn extends Module {
  /** > 0: each expert takes at most ceil(capacityFactor * M * K / E) rows per forward; the rest are dropped. */
  capacityFactor = 0;
  /** Assignments per expert since the last resetLoad() (before dropping), and dropped assignments. */
  load: Float64Array;
  droppedCount = 0;
  private routed: Routed | null = null;
  /** The routing of the last forward (for inspection and tests). */
  lastRouting: Routing | null = null;
  lastWeights: Float32Array | null = null;

  constructor(readonly router: LinearLike, public gateExps: ExpertLayer, public upExps: ExpertLayer,
    public downExps: ExpertLayer, readonly shared: SharedExpert | null, readonly opts: MoeOptions) {
    super();
    const E = router.outFeatures;
    if (!Number.isInteger(opts.topK) || opts.topK < 1 || opts.topK > E) {
      throw new ArgumentError("moe", `top-k must be in [1, ${E}] but is ${opts.topK}`);
    }
    for (const [n, b] of [["gate", gateExps], ["up", upExps], ["down", downExps]] as const) {
      if (b.E !== E) throw new ShapeError("moe", `the router has ${E} outputs but the ${n} experts number ${b.E}`);
    }
    this.load = new Float64Array(E);
  }

  get nExpert(): number {
    return this.router.outFeatures;
  }

  /** Load-balancing and z-loss of the last forward, built on first use (on the tape when grad was on). */
  get lastAux(): MoeAux | null {
    const s = this.routed;
    if (s && !s.aux) s.aux = auxLosses(s.logits, s.probs, s.r, this.opts.gating);
    return s?.aux ?? null;
  }

  resetLoad(): void {
    this.load.fill(0);
    this.droppedCount = 0;
  }

  /** x [..., C] -> [..., C]. */
  forward(x: Tensor): Tensor {
    const C = x.shape[x.rank - 1]!;
    if (C !== this.router.inFeatures) throw new ShapeError("moe", `input ${fmt(x.shape)} does not end in ${this.router.inFeatures}`);
    const E = this.nExpert, K = this.opts.topK, x2 = reshape(x, [-1, C]), M = x2.shape[0]!;
    const logits = this.router.forward(x2);
    const probs = this.opts.gating === "softmax" ? softmax(logits) : sigmoid(logits);
    const capacity = this.capacityFactor > 0 ? Math.ceil((this.capacityFactor * M * K) / E) : 0;
    const r = routeTopK(probs.f32(), M, E, K, capacity);
    this.lastRouting = r;
    for (let e = 0; e < E; e++) this.load[e]! += r.counts[e]!;
    this.droppedCount += r.dropped;
    const w = chosenWeights(probs, r, this.opts.normTopK);
    this.lastWeights = w.f32();
    const xr = gatherRouted(x2, r);
    const h = mul(silu(this.gateExps.forward(xr, r.offsets)), this.upExps.forward(xr, r.offsets));
    let out = combineRouted(this.downExps.forward(h, r.offsets), w, r);
    if (this.shared) out = add(out, this.shared.forward(x2));
    this.routed = new Routed(logits, probs, r);
    return reshape(out, x.shape);
  }
}

/** Switch load-balancing (f_e: fraction of assignments to e; P_e: mean router probability) and z-loss. */
function auxLosses(logits: Tensor, probs: Tensor, r: Routing, gating: MoeOptions["gating"]): MoeAux {
  const { M, E, K, counts } = r;
  const f = Float32Array.from(counts, (c) => (E * c) / (M * K));
  const p = gating === "softmax" ? probs : div(probs, sum(probs, -1, true));
  const balance = sum(mul(mean(p, 0), new Tensor(f, [E], "f32")));
  const mx = noGrad(() => max(logits, -1, true)).detach();
  const lse = add(log(sum(exp(add(logits, mul(mx, -1))), -1, true)), mx);
  return { balance, z: mean(mul(lse, lse)) };
}
