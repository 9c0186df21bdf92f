// MoE parity with llama.cpp (node-llama-cpp): random-weight Mixtral-style (GGUF `llama` with experts) and qwen2moe
// (shared expert) files written by weft give the same greedy continuation and next-token probabilities in both.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelConfig } from "../../src/models/config.js";
import { moeConfig } from "../../src/models/moe.js";
import { randomWeights } from "../../src/models/random.js";
import { exportGguf } from "../../src/compress/export-gguf.js";
import { load } from "../../src/load/index.js";
import { generate } from "../../src/generate/generate.js";
import { noGrad } from "../../src/core/autograd.js";
import { softmax } from "../../src/core/ops/softmax.js";
import type { GgmlTypeName } from "../../src/dtype/ggml.js";
import { getLlamaCpp, llamaCppGreedy } from "../helpers/llama-cpp.js";

interface Case {
  name: string;
  config: ModelConfig;
  types: GgmlTypeName[];
  /** Weight seed. Routing is discrete: a router near-tie, or an activation within a few ulps of a Q8 rounding
   *  boundary (weft's and ggml's attention/norm reductions differ by ulps), moves later probabilities by ~1e-3 and
   *  can change a greedy token. Measured over seeds 11-14: 1-3 of the 10 files hit one, for F32 too (seed 14: a
   *  router near-tie). The seeds here hit none on the native and the ref backend. */
  seed: number;
}

const CASES: Case[] = [
  { name: "llama 4 experts top-2, odd widths, GQA",
    config: moeConfig({ vocabSize: 320, dim: 64, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 96, nExpert: 4, nExpertUsed: 2, contextLength: 256 }),
    types: ["F32", "F16", "Q8_0"], seed: 11 },
  { name: "llama 8 experts top-2, 256-wide",
    config: moeConfig({ vocabSize: 320, dim: 256, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 256, nExpert: 8, nExpertUsed: 2, contextLength: 256 }),
    types: ["F16", "Q8_0", "Q4_K"], seed: 13 },
  { name: "llama 6 experts top-3",
    config: moeConfig({ vocabSize: 320, dim: 64, nLayer: 2, nHead: 4, ffnDim: 64, nExpert: 6, nExpertUsed: 3, contextLength: 256 }),
    types: ["F32"], seed: 11 },
  { name: "qwen2moe 4 experts top-2 + shared expert",
    config: moeConfig({ arch: "qwen2moe", vocabSize: 320, dim: 256, nLayer: 2, nHead: 8, nHeadKv: 2, ffnDim: 512, expertFfnDim: 256,
      sharedExpertFfnDim: 512, nExpert: 4, nExpertUsed: 2, contextLength: 256, ropeBase: 1000000, normEps: 1e-6 }),
    types: ["F32", "Q8_0", "Q4_K"], seed: 11 },
];

const PROMPT = [1, 15, 200, 42, 7, 99, 300, 5];
const N = 32;
/** As in llama-cpp.test.ts: ~1e-6 agreement, F16 prefill activations may differ in rounding (measured up to 3e-4). */
const probTol = (type: GgmlTypeName): number => (type === "F16" ? 5e-4 : 1e-5);

describe("MoE parity with llama.cpp", async () => {
  const llama = await getLlamaCpp();
  const dir = mkdtempSync(join(tmpdir(), "weft-moe-parity-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const c of CASES) {
    for (const type of c.types) {
      it(`${c.name} ${type}: ${N} greedy tokens identical, probabilities within ${probTol(type)}`, async (t) => {
        if (!llama) return t.skip("node-llama-cpp is not installed or has no prebuilt binary for this machine");
        const path = join(dir, `${c.config.arch}-${c.config.dim}-${c.config.nExpert}-${type}.gguf`);
        exportGguf(path, c.config, randomWeights(c.config, c.seed), { type });
        const { model, tokenizer, config } = load(path);
        assert.equal(config.nExpert, c.config.nExpert);
        const ours = await generate(model, tokenizer, PROMPT, { temperature: 0, maxTokens: N, stopAtEos: false });
        const ref = await llamaCppGreedy(path, PROMPT, N);
        const p = softmax(noGrad(() => model.forward(Int32Array.from(PROMPT)))).f32();
        let maxDiff = 0;
        for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i]! - (ref.probs.get(i) ?? 0)));
        assert.ok(maxDiff <= probTol(type), `max probability difference ${maxDiff}`);
        assert.deepEqual(ours.tokens, ref.tokens.slice(0, N));
      });
    }
  }
});
