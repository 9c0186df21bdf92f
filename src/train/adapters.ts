// Save and load LoRA adapters as PEFT folders (adapter_config.json + adapter_model.safetensors) and as GGUF
// LoRA files (general.type=adapter) that llama.cpp applies with --lora.
import { mkdirSync, readFileSync } from "node:fs";
import { writeJsonAtomic } from "../util/atomic.js";
import { join } from "node:path";
import type { Module } from "../nn/module.js";
import { LoRALinear } from "../nn/lora.js";
import { projectionSlots } from "../nn/swap.js";
import { fromArray } from "../core/tensor.js";
import type { Arch } from "../models/config.js";
import { ropeRowPermutation } from "../models/hf-names.js";
import { permuteRowBytes } from "../load/hf-weights.js";
import { readSafetensorsFile, toFloat32, writeSafetensorsFile, type StTensorToWrite } from "../formats/safetensors/index.js";
import { readGgufFile, writeGgufFile, getString, getNumber, type GgufTensorToWrite } from "../formats/gguf/index.js";
import { codecFor } from "../dtype/quants/index.js";
import { ggufBaseName, ggufFromPeftKey, peftModuleKey, peftTargetName } from "./adapter-names.js";
import { FormatError } from "../util/errors.js";

export interface AdapterModelInfo {
  arch: Arch;
  nHead: number;
  nHeadKv: number;
}

interface Named {
  base: string;
  lora: LoRALinear;
}

function adaptersOf(model: Module): Named[] {
  return projectionSlots(model).filter((s) => s.layer instanceof LoRALinear).map((s) => ({ base: ggufBaseName(s.path), lora: s.layer as LoRALinear }));
}

const bytes = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Row permutation for B when moving between weft (GGUF order) and HF for llama q/k. */
function rowOrder(info: AdapterModelInfo, base: string, rows: number, toGguf: boolean): Int32Array | null {
  if (info.arch !== "llama") return null;
  if (base.endsWith("attn_q")) return ropeRowPermutation(rows, info.nHead, toGguf);
  if (base.endsWith("attn_k")) return ropeRowPermutation(rows, info.nHeadKv, toGguf);
  return null;
}

/** B's rows in the other order (null = unchanged), through the same row permutation the weights use. */
function permuteRows(v: Float32Array, cols: number, perm: Int32Array | null): Float32Array {
  if (!perm) return v;
  const out = permuteRowBytes(bytes(v), perm, cols * 4);
  return new Float32Array(out.buffer, out.byteOffset, v.length);
}

/** Write a PEFT LoRA folder for every LoRALinear in `model`. */
export function savePeftAdapter(dir: string, model: Module, info: AdapterModelInfo, meta: { alpha: number; rank: number; rsLora?: boolean; dropout?: number; baseModel?: string }): void {
  const named = adaptersOf(model);
  if (named.length === 0) throw new FormatError("adapter", "the model has no LoRA layers to save");
  mkdirSync(dir, { recursive: true });
  const tensors: StTensorToWrite[] = [];
  for (const { base, lora } of named) {
    const key = peftModuleKey(info.arch, base);
    const R = lora.rank;
    const b = permuteRows(lora.loraB.f32(), R, rowOrder(info, base, lora.outFeatures, false));
    tensors.push({ name: `${key}.lora_A.weight`, dtype: "F32", shape: [R, lora.inFeatures], data: bytes(lora.loraA.f32()) });
    tensors.push({ name: `${key}.lora_B.weight`, dtype: "F32", shape: [lora.outFeatures, R], data: bytes(b) });
  }
  writeSafetensorsFile(join(dir, "adapter_model.safetensors"), tensors, { format: "pt" });
  const targets = [...new Set(named.map((n) => peftTargetName(info.arch, n.base)))];
  const config = {
    peft_type: "LORA", task_type: "CAUSAL_LM", base_model_name_or_path: meta.baseModel ?? null, r: meta.rank, lora_alpha: meta.alpha,
    lora_dropout: meta.dropout ?? 0, target_modules: targets, bias: "none", fan_in_fan_out: info.arch === "gpt2",
    use_rslora: meta.rsLora ?? false, inference_mode: true,
  };
  writeJsonAtomic(join(dir, "adapter_config.json"), config);
}

/** Apply a PEFT LoRA folder to `model` (wrapping the named projections); returns the number of layers adapted. */
export function loadPeftAdapter(dir: string, model: Module, info: AdapterModelInfo): number {
  const cfg = JSON.parse(readFileSync(join(dir, "adapter_config.json"), "utf8")) as { r: number; lora_alpha: number; use_rslora?: boolean; peft_type?: string };
  if (cfg.peft_type !== undefined && cfg.peft_type !== "LORA") throw new FormatError("adapter", `${dir}: peft_type ${cfg.peft_type} is not LORA`);
  const st = readSafetensorsFile(join(dir, "adapter_model.safetensors"));
  const scale = cfg.use_rslora ? cfg.lora_alpha / Math.sqrt(cfg.r) : cfg.lora_alpha / cfg.r;
  const byBase = new Map<string, { a: string; b: string }>();
  for (const t of st.tensors) {
    const m = /^(.*)\.lora_([AB])(?:\.default)?\.weight$/.exec(t.name);
    if (!m) continue;
    const base = ggufFromPeftKey(info.arch, m[1]!);
    const e = byBase.get(base) ?? { a: "", b: "" };
    e[m[2] === "A" ? "a" : "b"] = t.name;
    byBase.set(base, e);
  }
  return applyNamed(model, byBase, (base, names) => {
    const a = st.tensorsByName.get(names.a), b = st.tensorsByName.get(names.b);
    if (!a || !b) throw new FormatError("adapter", `${dir}: '${base}' needs both lora_A and lora_B`);
    const R = a.shape[0]!;
    const bv = permuteRows(toFloat32(st, names.b), R, rowOrder(info, base, b.shape[0]!, true));
    return { a: toFloat32(st, names.a), aShape: a.shape, b: bv, bShape: b.shape, scale };
  });
}

type LoraData = { a: Float32Array; aShape: number[]; b: Float32Array; bShape: number[]; scale: number };

function applyNamed(model: Module, byBase: Map<string, { a: string; b: string }>, read: (base: string, n: { a: string; b: string }) => LoraData): number {
  let n = 0;
  for (const s of projectionSlots(model)) {
    let base: string;
    try {
      base = ggufBaseName(s.path);
    } catch {
      continue;
    }
    const names = byBase.get(base);
    if (!names) continue;
    const d = read(base, names);
    if (d.aShape[1] !== s.layer.inFeatures || d.bShape[0] !== s.layer.outFeatures || d.aShape[0] !== d.bShape[1]) {
      throw new FormatError("adapter", `'${base}': lora A [${d.aShape}] / B [${d.bShape}] do not fit a [${s.layer.outFeatures}, ${s.layer.inFeatures}] projection`);
    }
    s.layer.freeze();
    s.parent[s.key] = new LoRALinear(s.layer, fromArray(d.a, d.aShape, true), fromArray(d.b, d.bShape, true), d.scale);
    n++;
  }
  if (n !== byBase.size) throw new FormatError("adapter", `the adapter names ${byBase.size} layers but ${n} matched the model`);
  return n;
}

/** Write a GGUF LoRA adapter for llama.cpp (`<name>.weight.lora_a` [R, in], `.lora_b` [out, R], alpha = scale * R). */
export function saveGgufLora(path: string, model: Module, info: AdapterModelInfo): void {
  const named = adaptersOf(model);
  if (named.length === 0) throw new FormatError("adapter", "the model has no LoRA layers to save");
  const R = named[0]!.lora.rank;
  if (named.some((n) => n.lora.rank !== R || n.lora.scale !== named[0]!.lora.scale)) {
    throw new FormatError("adapter", "a GGUF LoRA stores one alpha: every layer needs the same rank and scale");
  }
  const tensors: GgufTensorToWrite[] = [];
  for (const { base, lora } of named) {
    tensors.push({ name: `${base}.weight.lora_a`, shape: [lora.inFeatures, R], type: "F32", data: bytes(lora.loraA.f32()) });
    tensors.push({ name: `${base}.weight.lora_b`, shape: [R, lora.outFeatures], type: "F32", data: bytes(lora.loraB.f32()) });
  }
  const metadata = new Map<string, string | number>([
    ["general.architecture", info.arch], ["general.type", "adapter"], ["adapter.type", "lora"], ["adapter.lora.alpha", named[0]!.lora.scale * R],
  ]);
  writeGgufFile(path, { metadata, metadataTypes: new Map([["adapter.lora.alpha", { type: "f32" as const }]]), tensors });
}

/** Apply a GGUF LoRA adapter file to `model`. */
export function loadGgufLora(path: string, model: Module, scale = 1): number {
  const g = readGgufFile(path);
  if (getString(g, "general.type") !== "adapter") throw new FormatError("adapter", `${path} is not a GGUF adapter (general.type)`);
  const alpha = getNumber(g, "adapter.lora.alpha");
  const byBase = new Map<string, { a: string; b: string }>();
  for (const t of g.tensors) {
    const m = /^(.*)\.weight\.lora_([ab])$/.exec(t.name);
    if (!m) continue;
    const e = byBase.get(m[1]!) ?? { a: "", b: "" };
    e[m[2] as "a" | "b"] = t.name;
    byBase.set(m[1]!, e);
  }
  const f32 = (name: string) => {
    const t = g.tensorsByName.get(name)!;
    const out = new Float32Array(t.shape.reduce((x, y) => x * y, 1));
    codecFor(t.type.name).dequantizeRow(g.tensorData(name), out);
    return { data: out, shape: [...t.shape].reverse() };
  };
  return applyNamed(model, byBase, (_base, names) => {
    const a = f32(names.a), b = f32(names.b);
    return { a: a.data, aShape: a.shape, b: b.data, bShape: b.shape, scale: (scale * alpha) / a.shape[0]! };
  });
}
