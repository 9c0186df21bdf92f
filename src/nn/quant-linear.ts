// Layers over raw GGML-typed weight bytes (F32, F16, BF16, Q8_0, Q4_K, ...): quantisation as a property of the layer.
import type { GgmlTypeName } from "../dtype/ggml.js";
import { rowBytes, ggmlType } from "../dtype/ggml.js";
import { codecFor } from "../dtype/quants/index.js";
import { kernels } from "../backend/registry.js";
import { Tensor } from "../core/tensor.js";
import { record } from "../core/autograd.js";
import { add } from "../core/ops/binary.js";
import { matmul } from "../core/ops/matmul.js";
import { reshape } from "../core/ops/view.js";
import { f32Tensor, floatData } from "../core/ops/util.js";
import { fmt } from "../core/shape.js";
import { DTypeError, ShapeError, ValueError } from "../util/errors.js";
import { Module } from "./module.js";

/** A frozen weight W [N, K] kept in its file encoding; rows decode on demand. */
export class QuantWeight {
  constructor(
    readonly bytes: Uint8Array,
    readonly type: GgmlTypeName,
    readonly N: number,
    readonly K: number,
  ) {
    const expect = rowBytes(ggmlType(type), K) * N;
    if (bytes.byteLength !== expect) {
      throw new ShapeError("QuantWeight", `${type} weight [${N}, ${K}] needs ${expect} bytes but has ${bytes.byteLength}`);
    }
  }

  /** The whole weight as f32 [N, K]. */
  dequantize(): Tensor {
    const out = new Float32Array(this.N * this.K);
    const codec = codecFor(this.type), rb = this.bytes.byteLength / this.N;
    for (let n = 0; n < this.N; n++) {
      codec.dequantizeRow(this.bytes.subarray(n * rb, (n + 1) * rb), out.subarray(n * this.K, (n + 1) * this.K));
    }
    return f32Tensor(out, [this.N, this.K]);
  }

  /** Row `n` as f32 (K values) into `dst`. */
  row(n: number, dst: Float32Array): void {
    const rb = this.bytes.byteLength / this.N;
    codecFor(this.type).dequantizeRow(this.bytes.subarray(n * rb, (n + 1) * rb), dst);
  }
}

/** y = x W^T (+ b) through the backend's typed `linear` kernel; gradients flow to x (the weight is frozen). */
export class QuantLinear extends Module {
  constructor(
    readonly weight: QuantWeight,
    public bias: Tensor | null = null,
  ) {
    super();
  }

  get inFeatures(): number {
    return this.weight.K;
  }

  get outFeatures(): number {
    return this.weight.N;
  }

  forward(x: Tensor): Tensor {
    const { N, K } = this.weight;
    if (x.shape[x.rank - 1] !== K) {
      throw new ShapeError("QuantLinear", `input ${fmt(x.shape)} does not end in the weight's in-features ${K}`);
    }
    const xd = floatData("QuantLinear", x);
    const M = xd.length / K;
    const out = new Float32Array(M * N);
    kernels().linear(xd, this.weight.bytes, this.weight.type, out, M, N, K);
    const y = record(f32Tensor(out, [...x.shape.slice(0, -1), N]), "quantLinear", [x], (g) => {
      const gx = matmul(reshape(g, [M, N]), this.weight.dequantize());
      return [reshape(gx, x.shape)];
    });
    return this.bias ? add(y, this.bias) : y;
  }
}

/** Token embedding over a typed table [V, C]: decodes only the rows it gathers. Not trainable. */
export class QuantEmbedding extends Module {
  constructor(readonly table: QuantWeight) {
    super();
  }

  forward(ids: Tensor): Tensor {
    if (ids.dtype !== "i32") throw new DTypeError("embedding", `ids must be i32 but are ${ids.dtype}`);
    const { N: V, K: C } = this.table;
    const idv = ids.ids();
    const out = new Float32Array(idv.length * C);
    for (let i = 0; i < idv.length; i++) {
      const id = idv[i]!;
      if (id < 0 || id >= V) throw new ValueError("embedding", `id ${id} at position ${i} is outside the vocabulary [0, ${V})`);
      this.table.row(id, out.subarray(i * C, (i + 1) * C));
    }
    return f32Tensor(out, [...ids.shape, C]);
  }
}
