// weft chat with piped stdin on tiny models with a ChatML template: one reply per line, /reset, /exit, history
// trimming under a small --ctx (system message kept), stopping at <|im_end|>, template sources and errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ggufToHf } from "../../src/compress/convert.js";
import { exportGguf, syntheticVocab } from "../../src/compress/export-gguf.js";
import type { GgufValue } from "../../src/formats/gguf/index.js";
import { llamaConfig } from "../../src/models/config.js";
import { randomWeights } from "../../src/models/random.js";
import { repoRoot } from "../helpers/fixtures.js";

const CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
const IM_END = 299;
const cfg = llamaConfig({ vocabSize: 300, dim: 32, nLayer: 1, nHead: 2, nHeadKv: 1, ffnDim: 64, contextLength: 256 });

let dir = "";
const paths = { talker: "", silent: "", plain: "", folder: "", template: "" };

function chatVocab(template: string | null): Map<string, GgufValue> {
  const v = syntheticVocab(300);
  const tokens = [...(v.get("tokenizer.ggml.tokens") as string[])], types = Int32Array.from(v.get("tokenizer.ggml.token_type") as Int32Array);
  tokens[298] = "<|im_start|>";
  tokens[IM_END] = "<|im_end|>";
  types[298] = types[IM_END] = 3;
  v.set("tokenizer.ggml.tokens", tokens).set("tokenizer.ggml.token_type", types);
  if (template !== null) v.set("tokenizer.chat_template", template);
  return v;
}

/** Weights whose greedy choice is always <|im_end|>: the residual stream is the embedding, whose first channel is 1. */
function silentWeights(): ReturnType<typeof randomWeights> {
  const w = randomWeights(cfg, 7);
  for (const [name, t] of w) {
    if (/attn_output|ffn_down/.test(name)) t.data.fill(0);
    if (name === "token_embd.weight") for (let r = 0; r < 300; r++) t.data[r * 32] = 1;
    if (name === "output_norm.weight") t.data.fill(0).set([1]);
    if (name === "output.weight") t.data.fill(0).set([10], IM_END * 32);
  }
  return w;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "weft-chat-"));
  paths.talker = join(dir, "talker.gguf");
  paths.silent = join(dir, "silent.gguf");
  paths.plain = join(dir, "no-template.gguf");
  paths.folder = join(dir, "talker-hf");
  paths.template = join(dir, "chatml.jinja");
  exportGguf(paths.talker, cfg, randomWeights(cfg, 3), { type: "F32", vocab: chatVocab(CHATML) });
  exportGguf(paths.silent, cfg, silentWeights(), { type: "F32", vocab: chatVocab(CHATML) });
  exportGguf(paths.plain, cfg, randomWeights(cfg, 3), { type: "F32", vocab: chatVocab(null) });
  ggufToHf(paths.talker, paths.folder);
  writeFileSync(paths.template, CHATML);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Reply {
  content: string;
  finish_reason: string;
  prompt_tokens: number;
  completion_tokens: number;
  dropped: number;
  messages: number;
}

function chat(input: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin/weft.js"), "chat", ...args], { input, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function replies(out: string): Reply[] {
  return out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Reply);
}

const GREEDY = ["--temperature", "0", "--max-tokens", "4", "--json"];

describe("weft chat", () => {
  it("answers each piped line, and /reset starts over from the system message", () => {
    const r = chat("hello there\nhow are you\n\n/reset\nhello there\n", "--model", paths.talker, "--system", "Be brief.", ...GREEDY);
    assert.equal(r.code, 0, r.err);
    const [a, b, c] = replies(r.out);
    assert.equal(replies(r.out).length, 3, "one reply per message line (blank lines and /reset get none)");
    assert.deepEqual([a!.messages, b!.messages, c!.messages], [3, 5, 3], "system + turns; /reset keeps only the system message");
    assert.ok(b!.prompt_tokens > a!.prompt_tokens, "the second prompt holds the first turn");
    assert.equal(c!.prompt_tokens, a!.prompt_tokens);
    assert.equal(c!.content, a!.content, "same history, greedy: same reply");
    assert.match(r.err, /history cleared/);
  });

  it("plain piped output is one line per reply; /exit stops reading", () => {
    const r = chat("one\ntwo\n/exit\nthree\n", "--model", paths.talker, "--temperature", "0", "--max-tokens", "6");
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.split("\n").length - 1, 2, JSON.stringify(r.out));
  });

  it("drops the oldest turns when the context is full, keeping the system message", () => {
    const lines = Array.from({ length: 6 }, (_, i) => `message number ${i} with some words`).join("\n") + "\n";
    const r = chat(lines, "--model", paths.talker, "--system", "S", "--ctx", "96", ...GREEDY);
    assert.equal(r.code, 0, r.err);
    const rs = replies(r.out);
    assert.equal(rs.length, 6);
    assert.ok(rs.some((x) => x.dropped > 0), `nothing was trimmed: ${r.out}`);
    for (const x of rs) assert.ok(x.prompt_tokens + 4 <= 96, `prompt of ${x.prompt_tokens} leaves no room`);
    assert.match(r.err, /context full; dropped the \d+ oldest message/);
    const first = rs[0]!.prompt_tokens, unsystem = replies(chat("message number 0 with some words\n", "--model", paths.talker, ...GREEDY).out)[0]!;
    assert.ok(first > unsystem.prompt_tokens, "the system message is in the prompt");
    const last = rs[rs.length - 1]!;
    assert.ok(last.messages >= 3 && last.messages < 13, `history of ${last.messages} messages`);
  });

  it("stops at the model's end-of-generation token", () => {
    const r = chat("hi\n", "--model", paths.silent, ...GREEDY);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(replies(r.out).map((x) => [x.content, x.finish_reason, x.completion_tokens]), [["", "stop", 0]]);
  });

  it("uses a Hugging Face folder's template (tokenizer_config.json) and --template; no template is a clear error", () => {
    const f = chat("hello there\n", "--model", paths.folder, ...GREEDY);
    assert.equal(f.code, 0, f.err);
    const g = chat("hello there\n", "--model", paths.talker, ...GREEDY);
    assert.equal(replies(f.out)[0]!.prompt_tokens, replies(g.out)[0]!.prompt_tokens);
    assert.equal(replies(f.out)[0]!.content, replies(g.out)[0]!.content);
    const none = chat("hi\n", "--model", paths.plain, ...GREEDY);
    assert.equal(none.code, 1);
    assert.match(none.err, /has no chat template \(tokenizer\.chat_template in its GGUF metadata\); give one with --template FILE/);
    const given = chat("hi\n", "--model", paths.plain, "--template", paths.template, ...GREEDY);
    assert.equal(given.code, 0, given.err);
    assert.equal(replies(given.out).length, 1);
  });

  it("a message too long for the context is refused, not sent", () => {
    const r = chat("word ".repeat(200) + "\nshort\n", "--model", paths.talker, "--ctx", "64", ...GREEDY);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /needs \d+ prompt tokens but the context holds 64; not sent/);
    assert.equal(replies(r.out).length, 1);
    assert.equal(replies(r.out)[0]!.messages, 2, "the refused message is not in the history");
  });
});
