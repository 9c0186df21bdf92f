// Child process: time full training steps (forward, backward, AdamW) or LoRA steps for one llama shape; prints JSON.
import { llamaConfig } from "../../src/models/config.js";
import { LlamaModel } from "../../src/models/llama.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { applyLora } from "../../src/train/lora.js";
import { Trainer } from "../../src/train/trainer.js";
import { setThreads } from "../../src/backend/registry.js";
import type { Row } from "../../src/train/data.js";
import { Rng } from "../../src/core/rng.js";

const [shape, mode, steps, threads] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4] ?? 3), Number(process.argv[5] ?? 2)];
const SHAPES = {
  "15M": { dim: 288, nLayer: 6, nHead: 6, ffnDim: 768 },
  "110M": { dim: 768, nLayer: 12, nHead: 12, ffnDim: 2048 },
} as const;
setThreads(threads);
const cfg = llamaConfig({ vocabSize: 32000, contextLength: 256, ...SHAPES[shape as keyof typeof SHAPES] });
const B = 8, T = 256, rng = new Rng(1);
const rows: Row[] = Array.from({ length: B }, () => {
  const ids = Int32Array.from({ length: T + 1 }, () => rng.int(32000));
  return { input: ids.subarray(0, T), target: ids.subarray(1) };
});
const weights = TrainableWeights.random(cfg, 1);
const model = new LlamaModel(cfg, weights);
let params = [...weights.named().values()];
if (mode === "lora") {
  applyLora(model, ["q", "k", "v", "o", "gate", "up", "down"], { rank: 8, alpha: 16 });
  params = model.trainableParameters().map(([, t]) => t);
}
const trainer = new Trainer(model, params, rows, { steps: steps + 1, batchSize: B, lr: 1e-4 });
trainer.step(); // warm-up
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  trainer.step();
  times.push((performance.now() - t0) / 1000);
}
times.sort((a, b) => a - b);
const sec = times[Math.floor(times.length / 2)]!;
process.stdout.write(JSON.stringify({ shape, mode, secondsPerStep: sec, tokensPerS: (B * T) / sec, rssMb: process.resourceUsage().maxRSS / 1024,
  trainable: params.reduce((n, p) => n + p.size, 0) }) + "\n");
