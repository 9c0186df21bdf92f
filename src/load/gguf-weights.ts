// A WeightSource over a parsed GGUF: projections stay in their file encoding (zero-copy views of the file).
import type { GgufFile, GgufTensorInfo } from "../formats/gguf/index.js";
import { Tensor } from "../core/tensor.js";
import { f32Tensor } from "../core/ops/util.js";
import { codecFor } from "../dtype/quants/index.js";
import { QuantEmbedding, QuantLinear, QuantWeight } from "../nn/quant-linear.js";
import type { WeightSource } from "../models/weights.js";
import { FormatError } from "../util/errors.js";

export class GgufWeights implements WeightSource {
  constructor(readonly file: GgufFile) {}

  private info(name: string): GgufTensorInfo {
    const t = this.file.tensorsByName.get(name);
    if (!t) throw new FormatError("load", `tensor '${name}' is missing from the GGUF file`);
    return t;
  }

  private matrix(name: string, N: number, K: number): QuantWeight {
    const t = this.info(name);
    if (t.shape.length !== 2 || t.shape[0] !== K || t.shape[1] !== N) {
      throw new FormatError("load", `tensor '${name}' has shape [${t.shape.join(", ")}] but the config implies [${K}, ${N}] (GGML order)`);
    }
    return new QuantWeight(this.file.tensorData(name), t.type.name, N, K);
  }

  has(name: string): boolean {
    return this.file.tensorsByName.has(`${name}.weight`);
  }

  linear(name: string, N: number, K: number, bias: boolean): QuantLinear {
    const b = bias ? this.vector(`${name}.bias`, N) : null;
    return new QuantLinear(this.matrix(`${name}.weight`, N, K), b);
  }

  vector(name: string, n: number): Tensor {
    const full = name.endsWith(".weight") || name.endsWith(".bias") ? name : `${name}.weight`;
    const t = this.info(full);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== n) throw new FormatError("load", `tensor '${full}' has ${count} elements but the config implies ${n}`);
    const out = new Float32Array(n);
    codecFor(t.type.name).dequantizeRow(this.file.tensorData(full), out);
    return f32Tensor(out, [n]);
  }

  embedding(name: string, V: number, C: number): QuantEmbedding {
    return new QuantEmbedding(this.matrix(`${name}.weight`, V, C));
  }
}
