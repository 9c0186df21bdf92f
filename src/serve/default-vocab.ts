// The built-in default model's vocabulary and chat format: a SentencePiece-style word vocabulary grown from the
// synthetic corpus (every word with all its prefixes, so merges reach it), byte fallback, and ChatML control tokens.
import type { GgufValue } from "../formats/gguf/index.js";

export const CHATML_TEMPLATE =
  "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}" +
  "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

const CONTROL = 3, NORMAL = 1, BYTE = 6, UNKNOWN = 2;

/** Render one conversation exactly as CHATML_TEMPLATE does. */
export function renderChatml(turns: { role: string; content: string }[], addGenerationPrompt: boolean): string {
  const body = turns.map((t) => `<|im_start|>${t.role}\n${t.content}<|im_end|>\n`).join("");
  return addGenerationPrompt ? `${body}<|im_start|>assistant\n` : body;
}

/** Words of a text: letter runs, single digits and single other characters. */
function words(text: string): string[] {
  return text.match(/[A-Za-z]+/g) ?? [];
}

/** GGUF tokenizer metadata for the texts: <unk> <s> </s> <|im_start|> <|im_end|>, 256 bytes, ASCII, then word pieces. */
export function defaultVocab(texts: readonly string[]): Map<string, GgufValue> {
  const tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"];
  const types = [UNKNOWN, CONTROL, CONTROL, CONTROL, CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(BYTE);
  }
  const seen = new Set<string>();
  const add = (t: string) => {
    if (seen.has(t)) return;
    seen.add(t);
    tokens.push(t);
    types.push(NORMAL);
  };
  add("\u2581");
  for (let c = 0x21; c < 0x7f; c++) add(String.fromCharCode(c));
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of words(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const vocabWords = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
  for (const w of vocabWords) {
    for (const form of ["\u2581" + w, w]) for (let k = 2; k <= form.length; k++) add(form.slice(0, k));
  }
  const scores = new Float32Array(tokens.length).map((_, i) => (types[i] === NORMAL ? [...tokens[i]!].length : 0));
  return new Map<string, GgufValue>([
    ["tokenizer.ggml.model", "llama"],
    ["tokenizer.ggml.tokens", tokens],
    ["tokenizer.ggml.scores", scores],
    ["tokenizer.ggml.token_type", Int32Array.from(types)],
    ["tokenizer.ggml.bos_token_id", 1],
    ["tokenizer.ggml.eos_token_id", 4],
    ["tokenizer.ggml.unknown_token_id", 0],
    ["tokenizer.ggml.add_bos_token", true],
    ["tokenizer.chat_template", CHATML_TEMPLATE],
  ]);
}
