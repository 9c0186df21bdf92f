// The inference reference: llama.cpp through node-llama-cpp (CPU only, never builds or downloads).
import type { Llama, LlamaModel as NlcModel } from "node-llama-cpp";

let llamaPromise: Promise<Llama | null> | null = null;

/** The llama.cpp runtime, or null when node-llama-cpp or its prebuilt binary is unavailable. */
export function getLlamaCpp(): Promise<Llama | null> {
  llamaPromise ??= (async () => {
    try {
      const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
      return await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
    } catch {
      return null;
    }
  })();
  return llamaPromise;
}

export interface ReferenceRun {
  /** Greedy continuation ids. */
  tokens: number[];
  /** Next-token probabilities after the prompt (id -> p), from llama.cpp's softmax. */
  probs: Map<number, number>;
}

/** Greedy-decode `n` tokens after `prompt` and report the next-token distribution at the end of the prompt. */
export async function llamaCppGreedy(path: string, prompt: number[], n: number, threads = 1, lora?: string): Promise<ReferenceRun> {
  const llama = await getLlamaCpp();
  if (!llama) throw new Error("node-llama-cpp unavailable");
  const model: NlcModel = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  try {
    const ctx = await model.createContext({ contextSize: Math.max(64, prompt.length + n + 8), threads, sequences: 1,
      flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32", ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}) });
    const seq = ctx.getSequence();
    const last = prompt.length - 1;
    const items = prompt.map((t, i) => (i === last ? ([t, { generateNext: { probabilities: true } }] as const) : t));
    const res = await seq.controlledEvaluate(items as never);
    const probs = res[last]?.next.probabilities ?? new Map<number, number>();
    await seq.clearHistory();
    const tokens: number[] = [];
    for await (const t of seq.evaluate(prompt as never, { temperature: 0 })) {
      tokens.push(t);
      if (tokens.length >= n) break;
    }
    await ctx.dispose();
    return { tokens, probs };
  } finally {
    await model.dispose();
  }
}
