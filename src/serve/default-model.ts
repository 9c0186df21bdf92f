// The built-in default model: on first use, a small llama is trained from the synthetic corpus as a ChatML chat model
// (stories, arithmetic and toy instructions, Weftish translation) and cached under WEFT_HOME; later runs just load it.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { weftHome } from "../util/env.js";
import { llamaConfig, type ModelConfig } from "../models/config.js";
import { LlamaModel } from "../models/llama.js";
import { TrainableWeights } from "../models/trainable.js";
import { exportGguf } from "../compress/export-gguf.js";
import { tokenizerFromGguf } from "../tokenizers/index.js";
import type { Tokenizer } from "../tokenizers/types.js";
import { syntheticCorpus } from "../train/corpus.js";
import { packRows, trainValSplit, type Example } from "../train/data.js";
import { runTraining } from "../train/run.js";
import { Rng } from "../core/rng.js";
import { defaultVocab, renderChatml } from "./default-vocab.js";

export const DEFAULT_MODEL_NAME = "weft-default";
const FILE = "weft-default-v1.gguf";

export interface DefaultModelPlan {
  /** Model shape (vocabulary size comes from the corpus). */
  model: Omit<Parameters<typeof llamaConfig>[0], "vocabSize">;
  examples: number;
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
  seed: number;
}

/** Sized to train in about a minute and a half on 2 cores and to write readable stories. */
export const DEFAULT_PLAN: DefaultModelPlan = {
  model: { dim: 192, nLayer: 4, nHead: 4, ffnDim: 512, contextLength: 512 },
  examples: 6000, steps: 180, batchSize: 8, seqLen: 128, lr: 3e-3, seed: 7,
};

const STORY_ASKS = ["Tell me a story about a {a}.", "Write a short story about a {a}.", "Can you tell me a story about a {a}?", "Tell me a story."];

/** Conversations from the synthetic corpus: one user turn and the assistant's answer. */
export function defaultConversations(n: number, seed: number): { role: string; content: string }[][] {
  const rng = new Rng(seed);
  const stories = syntheticCorpus("stories", Math.ceil(n * 0.5), seed);
  const instr = syntheticCorpus("instructions", Math.ceil(n * 0.35), seed + 1);
  const trans = syntheticCorpus("translation", Math.ceil(n * 0.15), seed + 2);
  const out: { role: string; content: string }[][] = [];
  for (const r of stories) {
    const text = (r as { text: string }).text;
    const animal = /(\w+) named/.exec(text)?.[1] ?? "cat";
    out.push([{ role: "user", content: STORY_ASKS[rng.int(STORY_ASKS.length)]!.replace("{a}", animal) }, { role: "assistant", content: text }]);
  }
  for (const r of [...instr, ...trans]) {
    const { prompt, completion } = r as { prompt: string; completion: string };
    const ask = prompt.replace(/\nAnswer: $/, "").replace(/^English: (.*)\nWeftish: $/, "Translate to Weftish: $1");
    out.push([{ role: "user", content: ask }, { role: "assistant", content: completion }]);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.slice(0, n);
}

/** Token ids of a conversation as encodeChat gives them, with the loss on the assistant's answer and its <|im_end|>. */
export function chatExample(tok: Tokenizer, turns: { role: string; content: string }[]): Example {
  const enc = (s: string) => tok.encode(s, { addBos: true, parseSpecial: true });
  const prompt = enc(renderChatml(turns.slice(0, -1), true));
  const full = enc(renderChatml(turns, false));
  let end = full.length; // what follows the last <|im_end|> (the template's "\n") is not trained
  while (end > 0 && !tok.isEog(full[end - 1]!)) end--;
  return { ids: full.slice(0, end), train: full.slice(0, end).map((_, i) => i >= prompt.length) };
}

/** Path of the cached default model, training it first when it is missing. */
export function ensureDefaultModel(plan: DefaultModelPlan = DEFAULT_PLAN, home = weftHome()): string {
  const dir = join(home, "models");
  const path = join(dir, FILE);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`weft: no default model under ${dir}; training one from the synthetic corpus (about 1-2 minutes)\n`);
  const convs = defaultConversations(plan.examples, plan.seed);
  const vocab = defaultVocab(convs.flat().map((t) => t.content));
  const tok = tokenizerFromGguf(vocab as Map<string, unknown>);
  const vocabSize = (vocab.get("tokenizer.ggml.tokens") as string[]).length;
  const cfg: ModelConfig = llamaConfig({ ...plan.model, vocabSize });
  const { train, val } = trainValSplit(convs.map((c) => chatExample(tok, c)), 0.02, plan.seed);
  const rows = { train: packRows(train, plan.seqLen), val: packRows(val, plan.seqLen) };
  const weights = TrainableWeights.random(cfg, plan.seed);
  const model = new LlamaModel(cfg, weights);
  const named = [...weights.named()];
  const work = join(dir, `.train-${process.pid}`);
  try {
    runTraining(model, named.map(([, t]) => t), named.map(([n]) => n), rows, {
      steps: plan.steps, batchSize: plan.batchSize, lr: plan.lr, warmupSteps: 10, schedule: "cosine", seed: plan.seed,
      evalEvery: plan.steps, outDir: work, checkpointEvery: 0,
    });
    const arrays = new Map(named.map(([n, t]) => [n, { shape: [...t.shape], data: t.f32() }]));
    exportGguf(path, cfg, arrays, { type: "F32", vocab, name: DEFAULT_MODEL_NAME });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stderr.write(`weft: cached the default model at ${path}\n`);
  return path;
}
