// Soft prompts in PEFT's layouts: adapter_config.json (PROMPT_TUNING or P_TUNING) + adapter_model.safetensors
// holding "prompt_embeddings" [n, C] (for P-tuning, the encoder's output, as PEFT saves it).
import { mkdirSync, readFileSync } from "node:fs";
import { writeJsonAtomic } from "../util/atomic.js";
import { join } from "node:path";
import { readSafetensorsFile, toFloat32, writeSafetensorsFile } from "../formats/safetensors/index.js";
import { fromArray } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { PromptTuning, PTuning, type SoftPrompt } from "./soft-prompt.js";
import { FormatError } from "../util/errors.js";

export function saveSoftPrompt(dir: string, sp: SoftPrompt, meta: { baseModel?: string; initText?: string } = {}): void {
  mkdirSync(dir, { recursive: true });
  const e = noGrad(() => sp.prefix()).f32().slice();
  const [n, C] = [sp.nVirtual, e.length / sp.nVirtual];
  writeSafetensorsFile(join(dir, "adapter_model.safetensors"), [{ name: "prompt_embeddings", dtype: "F32", shape: [n, C], data: new Uint8Array(e.buffer) }], { format: "pt" });
  const base = { task_type: "CAUSAL_LM", base_model_name_or_path: meta.baseModel ?? null, num_virtual_tokens: n, token_dim: C, num_transformer_submodules: 1, inference_mode: true };
  const config = sp instanceof PTuning
    ? { ...base, peft_type: "P_TUNING", encoder_reparameterization_type: "MLP", encoder_hidden_size: sp.l1.outFeatures }
    : { ...base, peft_type: "PROMPT_TUNING", prompt_tuning_init: meta.initText ? "TEXT" : "RANDOM", prompt_tuning_init_text: meta.initText ?? null };
  writeJsonAtomic(join(dir, "adapter_config.json"), config);
}

/** Whether a PEFT folder holds a soft prompt (rather than LoRA). */
export function isSoftPromptFolder(dir: string): boolean {
  try {
    const t = (JSON.parse(readFileSync(join(dir, "adapter_config.json"), "utf8")) as { peft_type?: string }).peft_type;
    return t === "PROMPT_TUNING" || t === "P_TUNING";
  } catch {
    return false;
  }
}

/** A fixed soft prompt from a PEFT PROMPT_TUNING / P_TUNING folder (frozen). */
export function loadSoftPrompt(dir: string, dim: number): PromptTuning {
  const st = readSafetensorsFile(join(dir, "adapter_model.safetensors"));
  const info = st.tensorsByName.get("prompt_embeddings");
  if (!info) throw new FormatError("adapter", `${dir}: adapter_model.safetensors has no 'prompt_embeddings'`);
  if (info.shape.length !== 2 || info.shape[1] !== dim) {
    throw new FormatError("adapter", `${dir}: prompt_embeddings [${info.shape.join(", ")}] does not match the model width ${dim}`);
  }
  return new PromptTuning(fromArray(toFloat32(st, "prompt_embeddings"), info.shape));
}
