// weft generate: text (or token ids) in, a continuation out; --json prints one machine-readable object.
import { load } from "../../load/index.js";
import { generateStream, type GenerateResult } from "../../generate/generate.js";
import { setThreads } from "../../backend/registry.js";
import { numberFlag, parseFlags, requireString, stringFlag, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";
import { loadGgufLora, loadPeftAdapter } from "../../train/adapters.js";
import type { Module } from "../../nn/module.js";
import type { ModelConfig } from "../../models/config.js";
import { statSync } from "node:fs";
import type { Tensor } from "../../core/tensor.js";
import { isSoftPromptFolder, loadSoftPrompt } from "../../train/soft-prompt-io.js";

/** A LoRA (PEFT folder or GGUF file) is applied in place; a soft prompt is returned as the prefix to use. */
function applyAdapter(path: string, model: Module, config: ModelConfig): Tensor | null {
  if (!statSync(path).isDirectory()) {
    loadGgufLora(path, model);
    return null;
  }
  if (isSoftPromptFolder(path)) return loadSoftPrompt(path, config.dim).prefix();
  loadPeftAdapter(path, model, config);
  return null;
}

const FLAGS: Flags = {
  model: { type: "string", short: "m", help: "GGUF model file" },
  prompt: { type: "string", short: "p", help: "prompt text (BOS added as the model's metadata says)" },
  "prompt-tokens": { type: "string", help: "prompt as comma-separated token ids" },
  "max-tokens": { type: "string", short: "n", help: "tokens to generate (default 128)" },
  temperature: { type: "string", help: "0 = greedy (default 0.8)" },
  "top-k": { type: "string", help: "keep the k most likely tokens (default 40, 0 = off)" },
  "top-p": { type: "string", help: "nucleus sampling mass (default 0.95)" },
  "min-p": { type: "string", help: "drop tokens below min-p x the top probability (default 0.05)" },
  "repeat-penalty": { type: "string", help: "repetition penalty (default 1 = off)" },
  seed: { type: "string", help: "sampling seed" },
  threads: { type: "string", short: "t", help: "native threads (default: all cores)" },
  ctx: { type: "string", short: "c", help: "context size (default: the model's, capped at 4096)" },
  stop: { type: "string", multiple: true, help: "stop string (repeatable)" },
  lora: { type: "string", help: "adapter: a GGUF LoRA file, or a PEFT folder (LoRA, prompt tuning or P-tuning)" },
  adapter: { type: "string", help: "same as --lora" },
  json: { type: "boolean", help: "print one JSON object on stdout" },
};

function parseTokens(raw: string): number[] {
  const ids = raw.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new ArgumentError("generate", `--prompt-tokens must be comma-separated non-negative integers, got '${raw}'`);
  }
  return ids;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("generate", argv, FLAGS, "--model FILE (--prompt TEXT | --prompt-tokens 1,2,3) [flags]");
  if (!p) return 0;
  const modelPath = requireString("generate", p, "model");
  const text = stringFlag(p, "prompt"), tokens = stringFlag(p, "prompt-tokens");
  if ((text === undefined) === (tokens === undefined)) throw new ArgumentError("generate", "give exactly one of --prompt and --prompt-tokens");
  const threads = numberFlag("generate", p, "threads", { min: 1, max: 1024, integer: true });
  if (threads) setThreads(threads);
  const t0 = performance.now();
  const { model, tokenizer, config } = load(modelPath);
  const adapter = stringFlag(p, "adapter") ?? stringFlag(p, "lora");
  const prefix = adapter ? applyAdapter(adapter, model as unknown as Module, config) : null;
  const loadMs = performance.now() - t0;
  const json = p.values.json === true;
  const it = generateStream(model, tokenizer, text ?? parseTokens(tokens!), {
    maxTokens: numberFlag("generate", p, "max-tokens", { min: 0, integer: true }),
    temperature: numberFlag("generate", p, "temperature", { min: 0 }),
    topK: numberFlag("generate", p, "top-k", { min: 0, integer: true }),
    topP: numberFlag("generate", p, "top-p", { min: 0, max: 1 }),
    minP: numberFlag("generate", p, "min-p", { min: 0, max: 1 }),
    repetitionPenalty: numberFlag("generate", p, "repeat-penalty", { min: 0 }),
    seed: numberFlag("generate", p, "seed", { integer: true }),
    ctx: numberFlag("generate", p, "ctx", { min: 1, integer: true }),
    stop: (p.values.stop as string[] | undefined) ?? [],
    prefix,
  });
  let r: IteratorResult<{ text: string }, GenerateResult>;
  while (!(r = await it.next()).done) if (!json) process.stdout.write(r.value.text);
  const res = r.value;
  if (json) {
    process.stdout.write(JSON.stringify({
      text: res.text, tokens: res.tokens, prompt_tokens: res.promptTokens, finish_reason: res.finishReason,
      timings: { load_ms: loadMs, prefill_tokens_per_s: res.timings.prefillTokensPerS, decode_tokens_per_s: res.timings.decodeTokensPerS },
    }) + "\n");
  } else {
    process.stdout.write("\n");
    process.stderr.write(`weft: ${res.promptTokens.length} prompt tokens at ${res.timings.prefillTokensPerS.toFixed(1)} tok/s, ` +
      `${res.tokens.length} generated at ${res.timings.decodeTokensPerS.toFixed(1)} tok/s (${res.finishReason})\n`);
  }
  return 0;
}
