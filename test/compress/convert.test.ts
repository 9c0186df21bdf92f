// Conversion: GGUF -> HF folder -> GGUF keeps F32/F16/BF16 tensors bit-identical; weft on the folder, weft on the
// GGUF and llama.cpp on the GGUF continue identically; the stories260K HF fixture converts to its GGUF twin.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { llamaConfig, type ModelConfig } from "../../src/models/config.js";
import { randomWeights } from "../../src/models/random.js";
import { exportGguf } from "../../src/compress/export-gguf.js";
import { ggufToHf, hfToGguf } from "../../src/compress/convert.js";
import { readGgufFile } from "../../src/formats/gguf/index.js";
import { load } from "../../src/load/index.js";
import { generate } from "../../src/generate/generate.js";
import type { GgmlTypeName } from "../../src/dtype/ggml.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";
import { getLlamaCpp, llamaCppGreedy } from "../helpers/llama-cpp.js";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "weft-convert-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = llamaConfig({ vocabSize: 300, dim: 64, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 128, contextLength: 128 });
const CASES: [string, ModelConfig][] = [
  ["llama", base],
  ["qwen2", { ...base, arch: "qwen2", qkvBias: true, ropeNeox: true }],
  ["gpt2", { ...base, arch: "gpt2", nHeadKv: 4, tiedEmbeddings: true }],
];
const PROMPT = [1, 30, 60, 90];

describe("convert", () => {
  for (const [name, cfg] of CASES) {
    for (const type of ["F32", "F16", "BF16"] as GgmlTypeName[]) {
      it(`${name} ${type}: GGUF -> folder -> GGUF is bit-identical and all three runs agree`, async () => {
        const a = join(dir, `${name}-${type}.gguf`), folder = join(dir, `${name}-${type}-hf`), b = join(dir, `${name}-${type}-back.gguf`);
        exportGguf(a, cfg, randomWeights(cfg, 9), { type });
        ggufToHf(a, folder);
        hfToGguf(folder, b, type);
        const [ga, gb] = [readGgufFile(a), readGgufFile(b)];
        assert.equal(gb.tensors.length, ga.tensors.length);
        for (const t of ga.tensors) {
          assert.equal(gb.tensorsByName.get(t.name)?.type.name, t.type.name, t.name);
          assert.deepEqual(gb.tensorData(t.name), ga.tensorData(t.name), `tensor ${t.name} changed`);
        }
        const run = async (path: string) => (await generate(load(path).model, null, PROMPT, { temperature: 0, maxTokens: 16, stopAtEos: false })).tokens;
        const [onGguf, onFolder] = [await run(a), await run(folder)];
        assert.deepEqual(onFolder, onGguf);
        if (type !== "BF16" && (await getLlamaCpp())) assert.deepEqual((await llamaCppGreedy(b, PROMPT, 16)).tokens, onGguf);
      });
    }
  }

  it("HF -> GGUF quantises matrices and reports fallbacks for rows that do not fit", () => {
    const folder = join(dir, "llama-F32-hf"), out = join(dir, "q.gguf");
    const r = hfToGguf(folder, out, "Q4_K");
    assert.ok(r.fallbacks.size > 0, "64-wide rows cannot hold 256-element K-quant blocks");
    assert.ok([...r.fallbacks.values()].every((t) => t !== "Q4_K"));
  });

  it("the stories260K HF fixture converts to the same tensors as stories260K.gguf", (t) => {
    const hf = fixturePath("models/stories260K-hf"), gg = fixturePath("models/stories260K/stories260K.gguf");
    if (!hf || !gg) return t.skip(missingFixture("models/stories260K-hf"));
    const out = join(dir, "stories.gguf");
    hfToGguf(hf, out, "F32");
    const [x, y] = [readGgufFile(gg), readGgufFile(out)];
    for (const tt of y.tensors) assert.deepEqual(y.tensorData(tt.name), x.tensorData(tt.name), tt.name);
  });
});
