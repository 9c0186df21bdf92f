// Chat templates: every fixture template rendered and compared with ollama's reference renderings where one exists;
// template sources; the sandbox's time and size limits; message text is never evaluated as template code.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  chatTemplateFromGgufMetadata, chatTemplateFromHfFolder, type ChatMessage, renderChat, TemplateError, TemplateLimitError,
} from "../../src/chat/index.js";
import { ArgumentError, FormatError } from "../../src/util/errors.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";

const CT = "tokenizers/chat-templates/";
const REF = CT + "ollama-rendered/";
const CONVERSATIONS = ["user", "user-assistant-user", "system-user-assistant-user"] as const;
const QWEN_SYSTEM = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n";

interface TemplateCase {
  name: string;
  file: string;
  load: (path: string) => string;
  /** ollama-rendered format with the same prompt layout, if any. */
  ref?: string;
  /** Expected = prefix + reference (qwen2.5 adds its default system prompt when the conversation has none). */
  prefixWithoutSystem?: string;
  /** What the rendering ends with (the generation prompt). */
  tail: string;
}

const fromConfig = (p: string) => (JSON.parse(readFileSync(p, "utf8")) as { chat_template: string }).chat_template;
const fromFile = (p: string) => readFileSync(p, "utf8");

const TEMPLATES: TemplateCase[] = [
  { name: "qwen2.5-instruct", file: CT + "qwen2.5-instruct.tokenizer_config.json", load: fromConfig, ref: "chatml", prefixWithoutSystem: QWEN_SYSTEM, tail: "<|im_start|>assistant\n" },
  { name: "qwen3", file: CT + "qwen3.tokenizer_config.json", load: fromConfig, ref: "chatml", tail: "<|im_start|>assistant\n" },
  { name: "phi-3-mini tokenizer_config", file: "tokenizers/phi-3-mini/tokenizer_config.json", load: fromConfig, ref: "phi-3", tail: "<|assistant|>\n" },
  { name: "phi-3.5-mini-instruct", file: CT + "phi-3.5-mini-instruct.jinja", load: fromFile, ref: "phi-3", tail: "<|assistant|>\n" },
  { name: "phi-4-mini-reasoning", file: CT + "phi-4-mini-reasoning.chat_template.jinja", load: fromFile, tail: "<|end|><|assistant|>" },
  { name: "deepseek-r1-distill-qwen", file: CT + "deepseek-r1-distill-qwen.jinja", load: fromFile, tail: "<｜Assistant｜><think>\n" },
  { name: "mistral-nemo-instruct-2407", file: CT + "mistral-nemo-instruct-2407.jinja", load: fromFile, tail: "[/INST]" },
  { name: "smollm3", file: CT + "smollm3.chat_template.jinja", load: fromFile, tail: "<|im_start|>assistant\n" },
];

for (const c of TEMPLATES) {
  test(`chat template ${c.name}: renders the ollama conversations${c.ref ? ` like ollama's ${c.ref}` : ""}`, (t) => {
    const path = fixturePath(c.file);
    const convPath = fixturePath(REF + "conversations.json");
    if (!path || !convPath) return void t.skip(missingFixture(path ? REF + "conversations.json" : c.file));
    const template = c.load(path);
    const convs = JSON.parse(readFileSync(convPath, "utf8")) as Record<string, ChatMessage[]>;
    let exact = 0;
    for (const conv of CONVERSATIONS) {
      const messages = convs[conv]!;
      const out = renderChat(template, messages, { addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>" });
      assert.ok(out.endsWith(c.tail), `${conv}: ends with the generation prompt ${JSON.stringify(c.tail)}`);
      let at = 0;
      for (const m of messages) {
        const i = out.indexOf(m.content as string, m.role === "system" ? 0 : at);
        assert.ok(i >= 0, `${conv}: ${m.role} text is in the prompt`);
        if (m.role !== "system") at = i;
      }
      const refPath = c.ref ? fixturePath(`${REF}${c.ref}/${conv}.txt`) : null;
      if (!refPath) continue;
      const ref = readFileSync(refPath, "utf8");
      const expected = c.prefixWithoutSystem && messages[0]!.role !== "system" ? c.prefixWithoutSystem + ref : ref;
      assert.equal(out, expected, `${conv} vs ollama-rendered/${c.ref}`);
      exact++;
    }
    t.diagnostic(`${c.name}: ${exact}/${c.ref ? CONVERSATIONS.length : 0} renderings equal ollama's${c.prefixWithoutSystem ? " (with qwen's default system prompt where the conversation has none)" : ""}`);
  });
}

test("message text is data: template syntax inside messages stays literal", () => {
  const tpl = "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}";
  const evil = "{{ 7*7 }} {% for x in range(3) %}{{ x }}{% endfor %} {# c #} {% for %} {{ raise_exception('x') }}";
  assert.equal(renderChat(tpl, [{ role: "user", content: evil }]), `[user]${evil}`);
  assert.equal(renderChat("{{ 7*7 }}", []), "49", "the template itself is evaluated");
  const parts = "{% for p in messages[0].content %}{{ p.text }}|{% endfor %}";
  assert.equal(renderChat(parts, [{ role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "{{b}}" }] }]), "a|{{b}}|");
});

test("template variables: add_generation_prompt, bos/eos, tools, extra", () => {
  const tpl = "{{ bos_token }}{{ add_generation_prompt }}{{ eos_token }}{% if tools is none %}none{% else %}{{ tools|length }}{% endif %}{{ x }}";
  assert.equal(renderChat(tpl, [], { bosToken: "<s>", eosToken: "</s>", extra: { x: 7 } }), "<s>false</s>none7");
  assert.equal(renderChat(tpl, [], { addGenerationPrompt: true, tools: [{}, {}], extra: { x: 1, add_generation_prompt: false } }), "true2" + "1");
});

test("sandbox: runaway templates stop at the time limit and the next render works", () => {
  const forever = "{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}";
  const bomb = "{% for i in range(1000000000) %}{{ i }}{% endfor %}"; // a 10^9-element list: the worker's heap gives out
  for (const tpl of [forever, bomb]) {
    const t0 = Date.now();
    assert.throws(
      () => renderChat(tpl, [], { timeLimitMs: 300 }),
      (e: unknown) => e instanceof TemplateLimitError && e.limit === "time" && /300 ms/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 5000, `stopped after ${Date.now() - t0} ms`);
    assert.equal(renderChat("{{ messages[0].content }}", [{ role: "user", content: "still works" }]), "still works");
  }
});

test("sandbox: output size limit, template errors, bad arguments", () => {
  const many = "{% for i in range(2000) %}{{ messages[0].content }}{% endfor %}";
  const msg = [{ role: "user", content: "x".repeat(1000) }];
  assert.throws(() => renderChat(many, msg), (e: unknown) => e instanceof TemplateLimitError && e.limit === "size");
  assert.equal(renderChat(many, msg, { maxOutputChars: 2_000_000 }).length, 2_000_000);
  assert.throws(() => renderChat("{{ x", []), TemplateError);
  assert.throws(() => renderChat("{{ raise_exception('roles must alternate') }}", []), /roles must alternate/);
  assert.throws(() => renderChat("x", "nope" as unknown as ChatMessage[]), ArgumentError);
  assert.throws(() => renderChat("x", [{ content: "no role" } as unknown as ChatMessage]), ArgumentError);
  assert.throws(() => renderChat("x", [{ role: "user", content: "a", f: () => 1 }]), ArgumentError);
  assert.throws(() => renderChat("x", [], { timeLimitMs: 0 }), ArgumentError);
});

test("template sources: HF folders (tokenizer_config, chat_template.jinja, named lists) and GGUF metadata", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "weft-chat-"));
  try {
    assert.equal(chatTemplateFromHfFolder(dir), null);
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: [{ name: "default", template: "D" }, { name: "tool_use", template: "T" }] }));
    assert.equal(chatTemplateFromHfFolder(dir), "D");
    assert.equal(chatTemplateFromHfFolder(dir, "tool_use"), "T");
    assert.equal(chatTemplateFromHfFolder(dir, "rag"), null);
    writeFileSync(join(dir, "chat_template.jinja"), "J");
    assert.equal(chatTemplateFromHfFolder(dir), "J", "chat_template.jinja wins");
    mkdirSync(join(dir, "additional_chat_templates"));
    writeFileSync(join(dir, "additional_chat_templates", "rag.jinja"), "R");
    assert.equal(chatTemplateFromHfFolder(dir, "rag"), "R");
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: [{ name: "tool_use", template: "T" }] }));
    rmSync(join(dir, "chat_template.jinja"));
    assert.throws(() => chatTemplateFromHfFolder(dir), ArgumentError);
    writeFileSync(join(dir, "tokenizer_config.json"), "{not json");
    assert.throws(() => chatTemplateFromHfFolder(dir), FormatError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => chatTemplateFromHfFolder("/nonexistent/weft"), ArgumentError);
  const md = new Map<string, unknown>([["tokenizer.chat_template", "G"], ["tokenizer.chat_template.tool_use", "GT"]]);
  assert.equal(chatTemplateFromGgufMetadata(md), "G");
  assert.equal(chatTemplateFromGgufMetadata(md, "tool_use"), "GT");
  assert.equal(chatTemplateFromGgufMetadata(new Map()), null);
  assert.throws(() => chatTemplateFromGgufMetadata(new Map([["tokenizer.chat_template", 3]])), FormatError);
  const phi = fixturePath("tokenizers/phi-3-mini");
  if (!phi) return void t.skip(missingFixture("tokenizers/phi-3-mini"));
  assert.equal(chatTemplateFromHfFolder(phi), fromConfig(join(phi, "tokenizer_config.json")));
});
