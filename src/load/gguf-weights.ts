// A WeightSource over a parsed GGUF: projections stay in their file encoding (zero-copy views of the file).
import type { GgufFile, GgufTensorInfo } from "../formats/gguf/index.js";
import { Tensor } from "../core/tensor.js";
import { f32Tensor } from "../core/ops/util.js";
import { codecFor } from "../dtype/quants/index.js";
import { QuantEmbedding, QuantLinear, QuantWeight } from "../nn/quant-linear.js";
import { ExpertBank } from "../nn/moe-experts.js";
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
    // a one-row matrix may be stored 1-D (qwen2moe's ffn_gate_inp_shexp is [n_embd])
    const oneRow = N === 1 && t.shape.length === 1 && t.shape[0] === K;
    if (!oneRow && (t.shape.length !== 2 || t.shape[0] !== K || t.shape[1] !== N)) {
      throw new FormatError("load", `tensor '${name}' has shape [${t.shape.join(", ")}] but the config implies [${K}, ${N}] (GGML order)`);
    }
    return new QuantWeight(this.file.tensorData(name), t.type.name, N, K);
  }

  has(name: string): boolean {
    return this.file.tensorsByName.has(`${name}.weight`);
  }

  /** E expert matrices [N, K] of a 3-D tensor (GGML order [K, N, E]), each a zero-copy slice of the file; gate and
   *  up experts also come from a fused `ffn_gate_up_exps` ([K, 2N, E]: gate rows, then up rows). */
  experts(name: string, E: number, N: number, K: number): ExpertBank {
    const fused = name.replace(/ffn_(gate|up)_exps$/, "ffn_gate_up_exps");
    const useFused = fused !== name && !this.file.tensorsByName.has(`${name}.weight`) && this.file.tensorsByName.has(`${fused}.weight`);
    const full = `${useFused ? fused : name}.weight`, rowsPer = useFused ? 2 * N : N;
    const t = this.info(full);
    if (t.shape.length !== 3 || t.shape[0] !== K || t.shape[1] !== rowsPer || t.shape[2] !== E) {
      throw new FormatError("load", `tensor '${full}' has shape [${t.shape.join(", ")}] but the config implies [${K}, ${rowsPer}, ${E}] (GGML order)`);
    }
    const data = this.file.tensorData(full), per = data.byteLength / E, rb = per / rowsPer;
    const skip = useFused && name.endsWith("ffn_up_exps") ? N * rb : 0;
    return ExpertBank.fromQuant(Array.from({ length: E }, (_, e) =>
      new QuantWeight(data.subarray(e * per + skip, e * per + skip + N * rb), t.type.name, N, K)));
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

/** Every manifest tensor of a GGUF decoded to f32 (for full fine-tuning and distillation students). */
export function ggufToArrays(file: GgufFile, names: readonly { name: string; shape: number[] }[]): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const { name, shape } of names) {
    const t = file.tensorsByName.get(name);
    if (!t) throw new FormatError("load", `tensor '${name}' is missing from the GGUF file`);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n), codec = codecFor(t.type.name), rows = shape.length >= 2 ? n / shape[shape.length - 1]! : 1;
    const src = file.tensorData(name), rb = src.byteLength / rows, K = n / rows;
    for (let r = 0; r < rows; r++) codec.dequantizeRow(src.subarray(r * rb, (r + 1) * rb), data.subarray(r * K, (r + 1) * K));
    out.set(name, { shape, data });
  }
  return out;
}
