// A WeightSource over a Hugging Face safetensors checkpoint, addressed by GGUF names through the name table.
// F32/F16/BF16 weights stay in their stored encoding; q/k rows and Conv1D transposes are applied on load.
import type { ShardedCheckpoint, StTensorInfo } from "../formats/safetensors/index.js";
import type { Arch } from "../models/config.js";
import type { WeightSource } from "../models/weights.js";
import { hfExpertTensor, hfTensor, ropeRowPermutation, type HfTensor } from "../models/hf-names.js";
import type { GgmlTypeName } from "../dtype/ggml.js";
import { codecFor } from "../dtype/quants/index.js";
import { QuantEmbedding, QuantLinear, QuantWeight } from "../nn/quant-linear.js";
import { ExpertBank } from "../nn/moe-experts.js";
import { f32Tensor } from "../core/ops/util.js";
import type { Tensor } from "../core/tensor.js";
import { FormatError, UnsupportedError } from "../util/errors.js";

const ELEM: Record<string, { type: GgmlTypeName; bytes: number }> = {
  F32: { type: "F32", bytes: 4 }, F16: { type: "F16", bytes: 2 }, BF16: { type: "BF16", bytes: 2 },
};

/** A tensor's bytes after its layout change, as a [N, K] matrix of `type`. */
export interface HfMatrix {
  bytes: Uint8Array;
  type: GgmlTypeName;
  shape: number[];
}

export class HfWeights implements WeightSource {
  constructor(readonly ckpt: ShardedCheckpoint, readonly arch: Arch, readonly nHead: number, readonly nHeadKv: number) {}

  has(name: string): boolean {
    const t = this.tryName(`${name}.weight`);
    return t !== null && this.ckpt.tensorFile.has(t.name);
  }

  private tryName(gguf: string): HfTensor | null {
    try {
      return hfTensor(this.arch, gguf);
    } catch {
      return null;
    }
  }

  /** The tensor named (in GGUF terms) `gguf`, re-laid out as GGUF expects (rows [N, K]). */
  read(gguf: string): HfMatrix {
    const t = hfTensor(this.arch, gguf);
    if (!this.ckpt.tensorFile.has(t.name)) throw new FormatError("load", `tensor '${t.name}' (for ${gguf}) is missing from the checkpoint`);
    const info: StTensorInfo = this.ckpt.info(t.name);
    const elem = ELEM[info.dtype];
    if (!elem) throw new UnsupportedError("load", `tensor '${t.name}' has dtype ${info.dtype}; weft loads F32, F16 and BF16 weights`);
    const raw = this.ckpt.tensorData(t.name);
    if (t.transform === "none") return { bytes: raw, type: elem.type, shape: info.shape };
    const [R, C] = info.shape as [number, number];
    if (t.transform === "transpose") return { bytes: transposeBytes(raw, R, C, elem.bytes), type: elem.type, shape: [C, R] };
    const heads = t.transform === "permuteQ" ? this.nHead : this.nHeadKv;
    return { bytes: permuteRowBytes(raw, ropeRowPermutation(R, heads, true), C * elem.bytes), type: elem.type, shape: info.shape };
  }

  private matrix(gguf: string, N: number, K: number): QuantWeight {
    const m = this.read(gguf);
    if (m.shape.length !== 2 || m.shape[0] !== N || m.shape[1] !== K) {
      throw new FormatError("load", `tensor for '${gguf}' has shape [${m.shape.join(", ")}] but the config implies [${N}, ${K}]`);
    }
    return new QuantWeight(m.bytes, m.type, N, K);
  }

  linear(name: string, N: number, K: number, bias: boolean): QuantLinear {
    return new QuantLinear(this.matrix(`${name}.weight`, N, K), bias ? this.vector(`${name}.bias`, N) : null);
  }

  vector(name: string, n: number): Tensor {
    const full = name.endsWith(".weight") || name.endsWith(".bias") ? name : `${name}.weight`;
    const m = this.read(full);
    const out = new Float32Array(n);
    if (m.bytes.byteLength !== n * (m.type === "F32" ? 4 : 2)) throw new FormatError("load", `tensor for '${full}' does not have ${n} elements`);
    codecFor(m.type).dequantizeRow(m.bytes, out);
    return f32Tensor(out, [n]);
  }

  embedding(name: string, V: number, C: number): QuantEmbedding {
    return new QuantEmbedding(this.matrix(`${name}.weight`, V, C));
  }

  /** E expert matrices [N, K] from the checkpoint's per-expert tensors (Mixtral w1/w3/w2, qwen2_moe *_proj). */
  experts(name: string, E: number, N: number, K: number): ExpertBank {
    return ExpertBank.fromQuant(Array.from({ length: E }, (_, e) => {
      const hf = hfExpertTensor(this.arch, `${name}.weight`, e);
      if (!this.ckpt.tensorFile.has(hf)) throw new FormatError("load", `tensor '${hf}' (expert ${e} of ${name}) is missing from the checkpoint`);
      const info = this.ckpt.info(hf), elem = ELEM[info.dtype];
      if (!elem) throw new UnsupportedError("load", `tensor '${hf}' has dtype ${info.dtype}; weft loads F32, F16 and BF16 weights`);
      if (info.shape.length !== 2 || info.shape[0] !== N || info.shape[1] !== K) {
        throw new FormatError("load", `tensor '${hf}' has shape [${info.shape.join(", ")}] but the config implies [${N}, ${K}]`);
      }
      return new QuantWeight(this.ckpt.tensorData(hf), elem.type, N, K);
    }));
  }
}

/** Rows of `rowBytes` bytes re-ordered: out row r = src row srcRowOf[r]. */
export function permuteRowBytes(src: Uint8Array, srcRowOf: Int32Array, rowBytes: number): Uint8Array {
  const out = new Uint8Array(src.byteLength);
  for (let r = 0; r < srcRowOf.length; r++) out.set(src.subarray(srcRowOf[r]! * rowBytes, (srcRowOf[r]! + 1) * rowBytes), r * rowBytes);
  return out;
}

/** [R, C] elements of `size` bytes -> [C, R]. */
export function transposeBytes(src: Uint8Array, R: number, C: number, size: number): Uint8Array {
  const out = new Uint8Array(src.byteLength);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const s = (r * C + c) * size, d = (c * R + r) * size;
      for (let b = 0; b < size; b++) out[d + b] = src[s + b]!;
    }
  }
  return out;
}
