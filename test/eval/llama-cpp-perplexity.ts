// llama.cpp's perplexity of a GGUF over a token list, from its own next-token probabilities (node-llama-cpp
// controlledEvaluate), on exactly the windows weft's perplexityPlan defines; shared by the parity test and the
// compression experiment.
import { getLlamaCpp } from "../helpers/llama-cpp.js";
import { perplexityPlan } from "../../src/eval/perplexity.js";

export interface LlamaCppPerplexity {
  ppl: number;
  count: number;
  seconds: number;
}

export async function llamaCppPerplexity(path: string, tokens: readonly number[], o: { ctx: number; stride?: number; bos: number | null;
  maxChunks?: number; threads?: number }): Promise<LlamaCppPerplexity> {
  const llama = await getLlamaCpp();
  if (!llama) throw new Error("node-llama-cpp unavailable");
  const plan = perplexityPlan(tokens.length, o.ctx, o.stride ?? 0, o.maxChunks);
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const t0 = performance.now();
  try {
    const ctx = await model.createContext({ contextSize: o.ctx, batchSize: o.ctx, threads: o.threads ?? 1, sequences: 1,
      flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32" });
    const seq = ctx.getSequence();
    let nll = 0, count = 0;
    for (const p of plan) {
      await seq.clearHistory();
      const ids = tokens.slice(p.start, p.start + o.ctx);
      if (p.bos && o.bos !== null) ids[0] = o.bos;
      const items = ids.map((t, j) => (j >= p.first && j < o.ctx - 1 ? ([t, { generateNext: { probabilities: true } }] as const) : t));
      const res = await seq.controlledEvaluate(items as never);
      for (let j = p.first; j < o.ctx - 1; j++) {
        const prob = res[j]?.next.probabilities?.get(tokens[p.start + j + 1]! as never) ?? 0;
        nll -= Math.log(prob);
        count++;
      }
    }
    await ctx.dispose();
    return { ppl: Math.exp(nll / count), count, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await model.dispose();
  }
}
