// Vocabulary conversion wired into `weft convert`: GGUF -> folder -> GGUF keeps tensors and ids, chat templates travel
// both ways, and folders with real HF tokenizers convert to GGUFs whose vocabulary llama.cpp tokenises like weft.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chatTemplateFromGgufMetadata, chatTemplateFromHfFolder } from "../../../src/chat/index.js";
import { main } from "../../../src/cli/main.js";
import { ggufToHf, hfToGguf } from "../../../src/compress/convert.js";
import { exportGguf, syntheticVocab } from "../../../src/compress/export-gguf.js";
import { readGgufFile } from "../../../src/formats/gguf/index.js";
import { load } from "../../../src/load/index.js";
import { llamaConfig } from "../../../src/models/config.js";
import { randomWeights } from "../../../src/models/random.js";
import { tokenizerFromGguf } from "../../../src/tokenizers/index.js";
import { fixturePath, missingFixture } from "../../helpers/fixtures.js";
import { getLlamaCpp } from "../../helpers/llama-cpp.js";
import { readVectors } from "../vocab-fixtures.js";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "weft-vocab-convert-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

const STORIES = "models/stories260K/stories260K.gguf";

test("stories260K: GGUF -> folder -> GGUF keeps tensors bit-identical and the vocabulary's ids", (t) => {
  const gg = fixturePath(STORIES);
  if (!gg) return void t.skip(missingFixture(STORIES));
  const folder = join(dir, "stories-hf"), back = join(dir, "stories-back.gguf");
  const r = ggufToHf(gg, folder);
  assert.equal(r.vocab, "llama, 512 tokens");
  for (const f of ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]) assert.ok(existsSync(join(folder, f)), f);
  const report = hfToGguf(folder, back, "F32");
  assert.equal(report.vocab, "llama, 512 tokens");
  const [a, b] = [readGgufFile(gg), readGgufFile(back)];
  for (const tt of a.tensors) assert.deepEqual(b.tensorData(tt.name), a.tensorData(tt.name), tt.name);
  assert.deepEqual(b.metadata.get("tokenizer.ggml.tokens"), a.metadata.get("tokenizer.ggml.tokens"));
  const [orig, folderTok, again] = [tokenizerFromGguf(a.metadata), load(folder).tokenizer!, tokenizerFromGguf(b.metadata)];
  for (const { text, ids } of readVectors(gg)) {
    for (const [name, tok] of [["folder", folderTok], ["GGUF again", again]] as const) {
      assert.deepEqual(tok.encode(text, { addBos: false }), ids, `${name}: ${JSON.stringify(text).slice(0, 40)}`);
    }
    assert.deepEqual(again.encode(text), orig.encode(text), "with BOS");
  }
});

const CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

test("the chat template travels GGUF -> tokenizer_config.json -> GGUF, and <|im_end|> ends generation in all three", () => {
  const cfg = llamaConfig({ vocabSize: 300, dim: 32, nLayer: 1, nHead: 2, nHeadKv: 1, ffnDim: 64, contextLength: 64 });
  const vocab = syntheticVocab(300);
  const tokens = [...(vocab.get("tokenizer.ggml.tokens") as string[])], types = Int32Array.from(vocab.get("tokenizer.ggml.token_type") as Int32Array);
  tokens[298] = "<|im_start|>";
  tokens[299] = "<|im_end|>";
  types[298] = types[299] = 3;
  vocab.set("tokenizer.ggml.tokens", tokens).set("tokenizer.ggml.token_type", types).set("tokenizer.chat_template", CHATML);
  const a = join(dir, "chatml.gguf"), folder = join(dir, "chatml-hf"), b = join(dir, "chatml-back.gguf");
  exportGguf(a, cfg, randomWeights(cfg, 3), { type: "F32", vocab });
  ggufToHf(a, folder);
  assert.equal(chatTemplateFromHfFolder(folder), CHATML);
  hfToGguf(folder, b, "F32");
  const md = readGgufFile(b).metadata as Map<string, unknown>;
  assert.equal(chatTemplateFromGgufMetadata(md), CHATML);
  for (const tok of [load(a).tokenizer!, load(folder).tokenizer!, load(b).tokenizer!]) {
    assert.ok(tok.isEog(299) && tok.isSpecial(298));
    assert.deepEqual(tok.encode("<|im_start|>hi", { addBos: false, parseSpecial: true }).slice(0, 1), [298]);
  }
});

// llama.cpp (newer than weft's tokenizer reference) treats "</s>" as an end-of-generation control token, so the
// strings avoid it; everything else must tokenise alike in llama.cpp, in weft on the GGUF and in weft on the folder.
const STRINGS = ["Hello world! It's 2024.", "  multiple   spaces\nand\tlines\n\n", "caf\u00e9 \u4e2d\u6587 \ud83e\udd99 na\u00efve", "I'M 12345 DON'T <|endoftext|>", " (leading) 3.14"];
const FOLDERS: [string, string, string[], number][] = [
  ["gpt2", "tokenizers/gpt2", ["vocab.json", "merges.txt"], 50257],
  ["spm", "tokenizers/phi-3-mini", ["tokenizer.json", "tokenizer_config.json"], 32064],
  ["llama3-style", "tokenizers/torchtune", ["tokenizer.json", "tokenizer_config.json"], 2048],
];

for (const [name, rel, files, V] of FOLDERS) {
  test(`weft convert of a folder with ${rel} loads in llama.cpp, whose tokenizer agrees with weft`, async (t) => {
    const src = fixturePath(rel);
    if (!src) return void t.skip(missingFixture(rel));
    const llama = await getLlamaCpp();
    if (!llama) return void t.skip("node-llama-cpp (llama.cpp reference) is not available");
    const cfg = llamaConfig({ vocabSize: V, dim: 32, nLayer: 1, nHead: 2, nHeadKv: 1, ffnDim: 64, contextLength: 64 });
    const seed = join(dir, `${name}-seed.gguf`), folder = join(dir, `tiny-${name}`), out = join(dir, `tiny-${name}.gguf`);
    exportGguf(seed, cfg, randomWeights(cfg, 5), { type: "F16" });
    ggufToHf(seed, folder);
    for (const f of ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]) if (existsSync(join(folder, f))) unlinkSync(join(folder, f));
    for (const f of files) copyFileSync(join(src, f), join(folder, f));
    assert.equal(await main(["convert", folder, out, "--type", "f16"]), 0);
    const model = await llama.loadModel({ modelPath: out, gpuLayers: 0 });
    try {
      const [onGguf, onFolder] = [load(out).tokenizer!, load(folder).tokenizer!];
      for (const s of STRINGS) {
        const ref = model.tokenize(s, false).map(Number);
        assert.deepEqual(onGguf.encode(s, { addBos: false }), ref, `weft (GGUF) vs llama.cpp on ${JSON.stringify(s)}`);
        assert.deepEqual(onFolder.encode(s, { addBos: false }), ref, `weft (folder) vs llama.cpp on ${JSON.stringify(s)}`);
      }
    } finally {
      await model.dispose();
    }
  });
}
