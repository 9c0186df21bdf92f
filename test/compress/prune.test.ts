// Pruning: unstructured masks (magnitude, Wanda, 2:4) have the asked-for pattern; structured pruning gives a smaller
// model whose logits equal the original's with the removed units' output weights zeroed; llama.cpp loads the smaller
// files and continues them as weft does; LoRA recovery keeps the sparsity; the CLI commands run end to end.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { llamaConfig, type ModelConfig } from "../../src/models/config.js";
import { randomWeights, type NamedArray } from "../../src/models/random.js";
import { exportGguf } from "../../src/compress/export-gguf.js";
import { Calibration } from "../../src/compress/imatrix.js";
import { pruneUnstructured } from "../../src/compress/prune.js";
import { pruneStructured } from "../../src/compress/prune-structured.js";
import { pruneSource } from "../../src/compress/prune-model.js";
import { namedModel, readSource } from "../../src/compress/source.js";
import { load } from "../../src/load/index.js";
import { generate } from "../../src/generate/generate.js";
import { noGrad } from "../../src/core/autograd.js";
import { repoRoot } from "../helpers/fixtures.js";
import { getLlamaCpp, llamaCppGreedy } from "../helpers/llama-cpp.js";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "weft-prune-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

const CFG = llamaConfig({ vocabSize: 300, dim: 64, nLayer: 3, nHead: 4, nHeadKv: 2, ffnDim: 128, contextLength: 128 });
const IDS = Int32Array.from([1, 40, 90, 7, 250, 13, 66, 120]);
const TEXT = "Once upon a time, there was a little cat named Tom. Tom liked to play in the park with his red ball. ".repeat(10);

function copy(a: Map<string, NamedArray>): Map<string, NamedArray> {
  return new Map([...a].map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]));
}

function logits(cfg: ModelConfig, arrays: Map<string, NamedArray>): Float32Array {
  return noGrad(() => namedModel(cfg, arrays).model.forward(IDS, null, { allLogits: true })).f32();
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A calibration whose every projection saw inputs with column k scaled by (k % 5 === 0 ? 1e4 : 1). */
function loudColumns(arrays: Map<string, NamedArray>): Calibration {
  const stats = new Map([...arrays].filter(([n, t]) => t.shape.length === 2 && n.startsWith("blk.")).map(([n, t]) => {
    const K = t.shape[1]!;
    return [n, { K, count: 1, sumSq: Float64Array.from({ length: K }, (_, k) => (k % 5 === 0 ? 1e8 : 1)), H: null }];
  }));
  return new Calibration(stats, 1, Float64Array.from([0.5, 0.1, 0.9]));
}

describe("unstructured pruning", () => {
  it("magnitude zeroes the smallest |w| of each row; Wanda keeps weights on loud input columns", () => {
    const w = randomWeights(CFG, 3), mag = copy(w), wan = copy(w);
    const r = pruneUnstructured(mag, "magnitude", 0.5, null);
    assert.ok(Math.abs(r.sparsity - 0.5) < 1e-9);
    const q = mag.get("blk.0.attn_q.weight")!, orig = w.get("blk.0.attn_q.weight")!.data;
    for (let row = 0; row < 64; row++) {
      const kept = [...q.data.subarray(row * 64, row * 64 + 64)].filter((v) => v !== 0).map(Math.abs);
      const dropped = [...orig.subarray(row * 64, row * 64 + 64)].filter((_, k) => q.data[row * 64 + k] === 0).map(Math.abs);
      assert.equal(kept.length, 32);
      assert.ok(Math.min(...kept) >= Math.max(...dropped));
    }
    pruneUnstructured(wan, "wanda", 0.5, loudColumns(w));
    const d = wan.get("blk.1.ffn_down.weight")!, d0 = w.get("blk.1.ffn_down.weight")!.data;
    let loudKept = 0, loud = 0;
    for (let i = 0; i < d.data.length; i++) {
      if ((i % 128) % 5 !== 0) continue;
      loud++;
      loudKept += d.data[i] !== 0 ? 1 : 0;
      if (Math.abs(d0[i]!) > 1e-3) assert.notEqual(d.data[i], 0, `loud column weight ${i} (${d0[i]}) was pruned`);
    }
    assert.ok(loudKept > 0.99 * loud);
    assert.equal(wan.get("token_embd.weight")!.data.filter((v) => v === 0).length, 0);
  });

  it("2:4 leaves exactly two of every four consecutive weights", () => {
    const w = randomWeights(CFG, 4);
    pruneUnstructured(w, "2:4", 0.5, null);
    const t = w.get("blk.2.ffn_up.weight")!.data;
    for (let g = 0; g < t.length; g += 4) assert.equal([0, 1, 2, 3].filter((k) => t[g + k] === 0).length, 2);
  });
});

describe("structured pruning", () => {
  const w = randomWeights(CFG, 5);
  it("ffn: the smaller model computes what the original does with the removed neurons' down columns zeroed", () => {
    const r = pruneStructured(CFG, w, "ffn", 0.25, null);
    assert.equal(r.config.ffnDim, 96);
    assert.deepEqual(r.arrays.get("blk.0.ffn_down.weight")!.shape, [64, 96]);
    const z = copy(w);
    r.removed.forEach((gone, l) => { const d = z.get(`blk.${l}.ffn_down.weight`)!; for (let row = 0; row < 64; row++) for (const i of gone) d.data[row * 128 + i] = 0; });
    assert.ok(maxDiff(logits(r.config, r.arrays), logits(CFG, z)) < 1e-4);
  });

  it("heads: whole kv groups go (q/k/v rows, attn_output columns); logits match the zeroed original", () => {
    const r = pruneStructured(CFG, w, "heads", 0.5, null);
    assert.deepEqual([r.config.nHead, r.config.nHeadKv, r.config.headDim], [2, 1, 16]);
    assert.deepEqual(r.arrays.get("blk.0.attn_q.weight")!.shape, [32, 64]);
    const z = copy(w);
    r.removed.forEach((gone, l) => {
      const o = z.get(`blk.${l}.attn_output.weight`)!;
      for (const g of gone) for (let row = 0; row < 64; row++) for (let c = g * 32; c < g * 32 + 32; c++) o.data[row * 64 + c] = 0;
    });
    assert.ok(maxDiff(logits(r.config, r.arrays), logits(CFG, z)) < 1e-4);
  });

  it("layers: the least influential blocks go; logits match the original with those blocks' outputs zeroed", () => {
    const r = pruneStructured(CFG, w, "layers", 0.34, loudColumns(w));
    assert.deepEqual(r.removed, [[1]]);
    assert.equal(r.config.nLayer, 2);
    const z = copy(w);
    for (const n of ["attn_output", "ffn_down"]) z.get(`blk.1.${n}.weight`)!.data.fill(0);
    assert.ok(maxDiff(logits(r.config, r.arrays), logits(CFG, z)) < 1e-4);
    assert.throws(() => pruneStructured(CFG, w, "layers", 0.3, null), /calibration/);
  });
});

describe("pruned files", async () => {
  const llama = await getLlamaCpp();
  let base = "";
  before(() => {
    base = join(dir, "base.gguf");
    exportGguf(base, { ...CFG, vocabSize: 320 }, randomWeights({ ...CFG, vocabSize: 320 }, 6), { type: "F32" });
  });
  for (const method of ["heads", "ffn", "layers"] as const) {
    it(`${method}: smaller file; llama.cpp continues it as weft does`, async (t) => {
      const out = join(dir, `${method}.gguf`);
      pruneSource(readSource(base), out, { method, sparsity: 0.5, calibration: TEXT, calibCtx: 64, calibChunks: 4 });
      assert.ok(statSync(out).size < statSync(base).size * 0.9, `${statSync(out).size} vs ${statSync(base).size}`);
      if (!llama) return t.skip("node-llama-cpp is not installed or has no prebuilt binary for this machine");
      const ours = await generate(load(out).model, null, [...IDS], { temperature: 0, maxTokens: 16, stopAtEos: false });
      assert.deepEqual((await llamaCppGreedy(out, [...IDS], 16)).tokens, ours.tokens);
    });
  }

  it("wanda + LoRA recovery: adapters fused, zeros kept", () => {
    const out = join(dir, "wanda-rec.gguf");
    const r = pruneSource(readSource(base), out, { method: "wanda", sparsity: 0.5, calibration: TEXT, calibCtx: 64, calibChunks: 4, recoverSteps: 3 });
    assert.ok(r.recoverLoss && Number.isFinite(r.recoverLoss.last));
    const src = readSource(out), before = readSource(base).arrays.get("blk.0.attn_v.weight")!.data, after = src.arrays.get("blk.0.attn_v.weight")!.data;
    assert.equal(after.filter((v) => v === 0).length, after.length / 2);
    assert.ok(after.some((v, i) => v !== 0 && v !== before[i]), "recovery changed no kept weight");
  });

  it("CLI: weft prune, quantize and eval perplexity run end to end with --json", () => {
    const weft = (...a: string[]) => {
      const r = spawnSync(process.execPath, [join(repoRoot, "bin/weft.js"), ...a], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const text = join(dir, "text.txt");
    writeFileSync(text, TEXT.repeat(4));
    const p = weft("prune", base, join(dir, "cli-ffn.gguf"), "--method", "ffn", "--sparsity", "0.25", "--json");
    assert.deepEqual((p.after as ModelConfig).ffnDim, 96);
    const q = weft("quantize", join(dir, "cli-ffn.gguf"), join(dir, "cli-q8.gguf"), "--type", "q8_0", "--calibration", text, "--calib-ctx", "64", "--json");
    assert.equal(q.method, "gptq");
    assert.deepEqual(Object.keys(q.fallbacks as object), []);
    const e = weft("eval", "perplexity", "--model", join(dir, "cli-q8.gguf"), "--data", text, "--ctx", "64", "--json");
    assert.ok((e.perplexity as number) > 1 && (e.scored_tokens as number) > 0);
  });
});
