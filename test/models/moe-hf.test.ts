// HF mixtral and qwen2_moe folders (config.json + per-expert safetensors) load into the same model as the GGUF
// holding the same weights; config.json round-trips through hfConfigJson; a GGUF with fused ffn_gate_up_exps loads.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelConfig } from "../../src/models/config.js";
import { moeConfig } from "../../src/models/moe.js";
import { randomWeights } from "../../src/models/random.js";
import { hfExpertTensor, hfTensor, ropeRowPermutation } from "../../src/models/hf-names.js";
import { exportGguf } from "../../src/compress/export-gguf.js";
import { configFromHf, hfConfigJson } from "../../src/load/hf-config.js";
import { permuteRowBytes } from "../../src/load/hf-weights.js";
import { writeShardedCheckpoint, type StTensorToWrite } from "../../src/formats/safetensors/index.js";
import { load } from "../../src/load/index.js";
import { noGrad } from "../../src/core/autograd.js";

const bytes = (f: Float32Array) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);

/** The HF layout of random weights: per-expert tensors, llama q/k rows in rotate-half order. */
function writeHf(dir: string, c: ModelConfig, w: ReturnType<typeof randomWeights>): void {
  const out: StTensorToWrite[] = [];
  for (const [name, t] of w) {
    if (name.includes("_exps.")) {
      const [E, N, K] = t.shape as [number, number, number];
      for (let e = 0; e < E; e++) {
        out.push({ name: hfExpertTensor(c.arch, name, e), dtype: "F32", shape: [N, K], data: bytes(t.data.slice(e * N * K, (e + 1) * N * K)) });
      }
      continue;
    }
    const h = hfTensor(c.arch, name);
    let data = bytes(t.data);
    if (h.transform === "permuteQ" || h.transform === "permuteK") {
      const heads = h.transform === "permuteQ" ? c.nHead : c.nHeadKv;
      data = permuteRowBytes(data, ropeRowPermutation(t.shape[0]!, heads, false), t.shape[1]! * 4);
    }
    out.push({ name: h.name, dtype: "F32", shape: t.shape, data });
  }
  mkdirSync(dir, { recursive: true });
  writeShardedCheckpoint(dir, out, { maxShardBytes: 1 << 30, metadata: { format: "pt" } });
  writeFileSync(join(dir, "config.json"), JSON.stringify(hfConfigJson(c)));
}

const CASES: [string, ModelConfig][] = [
  ["mixtral", moeConfig({ vocabSize: 300, dim: 64, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 48, nExpert: 4, nExpertUsed: 2 })],
  ["qwen2_moe", moeConfig({ arch: "qwen2moe", vocabSize: 300, dim: 64, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 128, expertFfnDim: 32,
    sharedExpertFfnDim: 96, nExpert: 6, nExpertUsed: 3, normTopK: true })],
];

describe("HF MoE folders", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-moe-hf-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, c] of CASES) {
    it(`${name}: the folder and the GGUF of the same weights give the same logits`, () => {
      const w = randomWeights(c, 5);
      const gguf = join(dir, `${name}.gguf`), folder = join(dir, name);
      exportGguf(gguf, c, w, { type: "F32" });
      writeHf(folder, c, w);
      const back = configFromHf(hfConfigJson(c));
      for (const k of ["arch", "nExpert", "nExpertUsed", "expertFfnDim", "sharedExpertFfnDim", "normTopK", "routerGating", "qkvBias", "ropeNeox"] as const) {
        assert.equal(back[k] ?? 0, c[k] ?? 0, k);
      }
      const a = load(gguf), b = load(folder);
      const ids = Int32Array.from([1, 17, 250, 3, 99, 42, 7]);
      const la = noGrad(() => a.model.forward(ids)).f32(), lb = noGrad(() => b.model.forward(ids)).f32();
      const d = la.reduce((m, v, i) => Math.max(m, Math.abs(v - lb[i]!)), 0);
      assert.ok(d < 1e-4, `max logit difference ${d}`);
    });
  }

  it("a GGUF with fused ffn_gate_up_exps ([E, 2F, C]) gives the same logits as separate gate and up banks", () => {
    const c = CASES[0]![1], w = randomWeights(c, 6), E = c.nExpert!, F = c.expertFfnDim!, C = c.dim;
    const fused = new Map(w);
    for (let l = 0; l < c.nLayer; l++) {
      const g = w.get(`blk.${l}.ffn_gate_exps.weight`)!.data, u = w.get(`blk.${l}.ffn_up_exps.weight`)!.data, data = new Float32Array(2 * E * F * C);
      for (let e = 0; e < E; e++) {
        data.set(g.subarray(e * F * C, (e + 1) * F * C), 2 * e * F * C);
        data.set(u.subarray(e * F * C, (e + 1) * F * C), (2 * e + 1) * F * C);
      }
      fused.delete(`blk.${l}.ffn_gate_exps.weight`);
      fused.delete(`blk.${l}.ffn_up_exps.weight`);
      fused.set(`blk.${l}.ffn_gate_up_exps.weight`, { shape: [E, 2 * F, C], data });
    }
    exportGguf(join(dir, "sep.gguf"), c, w, { type: "Q8_0" });
    exportGguf(join(dir, "fused.gguf"), c, fused, { type: "Q8_0" });
    const ids = Int32Array.from([1, 17, 250, 3]);
    const la = noGrad(() => load(join(dir, "sep.gguf")).model.forward(ids)).f32(), lb = noGrad(() => load(join(dir, "fused.gguf")).model.forward(ids)).f32();
    assert.deepEqual(Array.from(lb), Array.from(la));
  });

  it("refuses qwen2_moe with dense layers", () => {
    const j = { ...hfConfigJson(CASES[1]![1]), mlp_only_layers: [0] };
    assert.throws(() => configFromHf(j), /dense layers/);
  });
});
