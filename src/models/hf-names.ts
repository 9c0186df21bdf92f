// The tensor-name table between GGUF names (weft's internal names) and Hugging Face checkpoints, per architecture,
// with the layout change each tensor needs: llama q/k rows are permuted between HF's rotate-half RoPE layout and
// GGUF's interleaved one; gpt2's Conv1D weights are stored transposed ([in, out]).
import type { Arch } from "./config.js";
import { UnsupportedError } from "../util/errors.js";

export type Transform = "none" | "permuteQ" | "permuteK" | "transpose";

export interface HfTensor {
  name: string;
  transform: Transform;
}

const LLAMA_BLOCK: Record<string, string> = {
  attn_norm: "input_layernorm", ffn_norm: "post_attention_layernorm",
  attn_q: "self_attn.q_proj", attn_k: "self_attn.k_proj", attn_v: "self_attn.v_proj", attn_output: "self_attn.o_proj",
  ffn_gate: "mlp.gate_proj", ffn_up: "mlp.up_proj", ffn_down: "mlp.down_proj",
};

/** MoE parts of a block: the router, shared expert (qwen2moe) and, per expert, the SiLU-gated FFN's names. */
const MOE_BLOCK: Partial<Record<Arch, Record<string, string>>> = {
  llama: { ffn_gate_inp: "block_sparse_moe.gate" },
  qwen2moe: {
    ffn_gate_inp: "mlp.gate", ffn_gate_inp_shexp: "mlp.shared_expert_gate", ffn_gate_shexp: "mlp.shared_expert.gate_proj",
    ffn_up_shexp: "mlp.shared_expert.up_proj", ffn_down_shexp: "mlp.shared_expert.down_proj",
  },
};
const EXPERTS: Partial<Record<Arch, { prefix: string; gate: string; up: string; down: string }>> = {
  llama: { prefix: "block_sparse_moe.experts", gate: "w1", up: "w3", down: "w2" },
  qwen2moe: { prefix: "mlp.experts", gate: "gate_proj", up: "up_proj", down: "down_proj" },
};

/** HF name of expert `e` of a GGUF expert bank like "blk.3.ffn_up_exps.weight" (Mixtral w1/w3/w2, qwen2_moe *_proj). */
export function hfExpertTensor(arch: Arch, gguf: string, e: number): string {
  const m = /^blk\.(\d+)\.ffn_(gate|up|down)_exps\.weight$/.exec(gguf), t = EXPERTS[arch];
  if (!m || !t) throw new UnsupportedError("hf-names", `no Hugging Face expert name for '${gguf}' (${arch})`);
  return `model.layers.${m[1]}.${t.prefix}.${e}.${t[m[2] as "gate" | "up" | "down"]}.weight`;
}

const GPT2_BLOCK: Record<string, string> = {
  attn_norm: "ln_1", ffn_norm: "ln_2", attn_qkv: "attn.c_attn", attn_output: "attn.c_proj", ffn_up: "mlp.c_fc", ffn_down: "mlp.c_proj",
};

/** HF name (and layout change) of a GGUF tensor name like "blk.3.attn_q.weight". */
export function hfTensor(arch: Arch, gguf: string): HfTensor {
  const m = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(gguf);
  if (arch === "gpt2") return gpt2Name(gguf, m);
  if (m) {
    const [, layer, part, kind] = m;
    const hf = LLAMA_BLOCK[part!] ?? MOE_BLOCK[arch]?.[part!];
    if (!hf) throw new UnsupportedError("hf-names", `no Hugging Face name for '${gguf}'`);
    // llama (not qwen2, which keeps neox RoPE in GGUF) stores q/k rows permuted in GGUF
    const permute = arch === "llama" && (part === "attn_q" || part === "attn_k");
    const transform: Transform = permute ? (part === "attn_q" ? "permuteQ" : "permuteK") : "none";
    return { name: `model.layers.${layer}.${hf}.${kind}`, transform };
  }
  const top: Record<string, string> = {
    "token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight", "output.weight": "lm_head.weight",
  };
  const name = top[gguf];
  if (!name) throw new UnsupportedError("hf-names", `no Hugging Face name for '${gguf}'`);
  return { name, transform: "none" };
}

function gpt2Name(gguf: string, m: RegExpExecArray | null): HfTensor {
  if (m) {
    const [, layer, part, kind] = m;
    const hf = GPT2_BLOCK[part!];
    if (!hf) throw new UnsupportedError("hf-names", `no Hugging Face name for '${gguf}'`);
    const conv1d = kind === "weight" && part !== "attn_norm" && part !== "ffn_norm";
    return { name: `h.${layer}.${hf}.${kind}`, transform: conv1d ? "transpose" : "none" };
  }
  const top: Record<string, string> = {
    "token_embd.weight": "wte.weight", "position_embd.weight": "wpe.weight", "output_norm.weight": "ln_f.weight",
    "output_norm.bias": "ln_f.bias", "output.weight": "lm_head.weight",
  };
  const name = top[gguf];
  if (!name) throw new UnsupportedError("hf-names", `no Hugging Face name for '${gguf}'`);
  return { name, transform: "none" };
}

/** Row order change for q/k between HF (rotate-half pairs i, i+D/2) and GGUF (adjacent pairs 2i, 2i+1).
 *  Returns src row index for each destination row; `toGguf` false gives the inverse map. */
export function ropeRowPermutation(rows: number, nHead: number, toGguf: boolean): Int32Array {
  const D = rows / nHead, half = D / 2;
  const perm = new Int32Array(rows);
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const gguf = h * D + 2 * i + j, hf = h * D + j * half + i;
        if (toGguf) perm[gguf] = hf;
        else perm[hf] = gguf;
      }
    }
  }
  return perm;
}
