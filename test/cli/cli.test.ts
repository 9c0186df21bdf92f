// The weft CLI as a user runs it: JSON shapes, exit codes and error messages.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot, fixturePath, missingFixture } from "../helpers/fixtures.js";

function weft(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin/weft.js"), ...args], { encoding: "utf8" });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe("weft CLI", () => {
  it("generate --json prints the documented object", (t) => {
    const m = fixturePath("models/stories260K/stories260K.gguf");
    if (!m) return t.skip(missingFixture("models/stories260K"));
    const r = weft("generate", "--model", m, "--prompt", "Once upon a time", "--max-tokens", "8", "--temperature", "0", "--json");
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j).sort(), ["finish_reason", "prompt_tokens", "text", "timings", "tokens"]);
    assert.deepEqual(j.prompt_tokens, [1, 403, 407, 261, 378]);
    assert.equal(j.tokens.length, 8);
    assert.equal(j.finish_reason, "length");
    assert.deepEqual(Object.keys(j.timings).sort(), ["decode_tokens_per_s", "load_ms", "prefill_tokens_per_s"]);
  });
  it("generate --prompt-tokens and bad flags", (t) => {
    const m = fixturePath("models/stories260K/stories260K.gguf");
    if (!m) return t.skip(missingFixture("models/stories260K"));
    const r = weft("generate", "--model", m, "--prompt-tokens", "1,403", "--max-tokens", "3", "--temperature", "0", "--json");
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).prompt_tokens, [1, 403]);
    const bad = weft("generate", "--model", m, "--prompt-tokens", "1,x");
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--prompt-tokens must be comma-separated non-negative integers/);
    assert.match(weft("generate", "--model", m, "--prompt", "a", "--top-p", "2").err, /--top-p must be a number in 0..1 but is '2'/);
  });
  it("tokenize works on a vocabulary-only GGUF", (t) => {
    const v = fixturePath("tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf");
    if (!v) return t.skip(missingFixture("tokenizers/llama.cpp-vocab"));
    const r = weft("tokenize", "--model", v, "--text", "Hello world", "--json");
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { tokens: [15496, 995] });
  });
  it("inspect prints metadata and tensors; a missing file is a clean error", (t) => {
    const m = fixturePath("models/stories260K/stories260K.gguf");
    if (!m) return t.skip(missingFixture("models/stories260K"));
    const j = JSON.parse(weft("inspect", m, "--json").out);
    assert.equal(j.metadata["general.architecture"], "llama");
    assert.ok(j.tensors.some((x: { name: string }) => x.name === "token_embd.weight"));
    const bad = weft("inspect", "/nonexistent.gguf");
    assert.notEqual(bad.code, 0);
  });
  it("unknown commands list the available ones", () => {
    const r = weft("frobnicate");
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command 'frobnicate'/);
  });
});

describe("weft train / finetune / generate --lora", () => {
  it("trains a tiny model, LoRA-finetunes it, and both adapter formats generate the same tokens", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "weft-cli-"));
    try {
      const cfg = join(dir, "cfg.json");
      writeFileSync(cfg, JSON.stringify({ model: { dim: 32, nLayer: 1, nHead: 4, ffnDim: 64, vocabSize: 280 }, data: "synthetic:stories:100:1",
        seqLen: 32, batchSize: 4, steps: 10, lr: 3e-3 }));
      assert.equal(weft("train", "--config", cfg, "--out", join(dir, "base")).code, 0);
      const base = join(dir, "base", "model.gguf");
      const ft = weft("finetune", "--model", base, "--data", "synthetic:instructions:100:2", "--method", "lora", "--out", join(dir, "ft"),
        "--steps", "6", "--seq-len", "32", "--batch-size", "4", "--targets", "q,v,down", "--lr", "1e-2");
      assert.equal(ft.code, 0, ft.err);
      const gen = (lora?: string) => JSON.parse(weft("generate", "--model", base, ...(lora ? ["--lora", lora] : []), "--prompt-tokens", "1,100",
        "--max-tokens", "10", "--temperature", "0", "--json").out).tokens as number[];
      const [plain, peft, gguf] = [gen(), gen(join(dir, "ft", "adapter")), gen(join(dir, "ft", "adapter.gguf"))];
      assert.deepEqual(peft, gguf);
      assert.ok(plain.length === 10 && peft.length === 10);
      const pt = weft("finetune", "--model", base, "--data", "synthetic:instructions:100:2", "--method", "prompt", "--virtual-tokens", "4",
        "--init-text", "Answer", "--out", join(dir, "pt"), "--steps", "4", "--seq-len", "32", "--batch-size", "4");
      assert.equal(pt.code, 0, pt.err);
      assert.equal(gen(join(dir, "pt", "adapter")).length, 10);
      assert.match(weft("finetune", "--model", base, "--data", "x", "--method", "magic", "--out", dir).err, /--method must be full, lora, prompt or ptuning/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
