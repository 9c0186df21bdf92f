// A small synthetic byte-level BPE tokenizer.json (256 byte tokens, a few merges, ChatML specials) for tests that
// must run without fixtures.
import { BYTE_CHARS } from "../../../src/tokenizers/unicode.js";

export const IM_START = 300;
export const IM_END = 301;
export const EOT = 302;
export const THINK = 303; // added but not special
export const MASK = 304; // special, lstrip
export const WORD = 305; // added, single_word

const MERGES: [string, string][] = [
  ["\u0120", "t"], ["h", "e"], ["\u0120t", "he"], ["i", "m"], ["u", "s"], ["e", "r"], ["us", "er"],
  ["a", "s"], ["as", "s"], ["i", "s"], ["t", "a"], ["n", "t"], ["ass", "is"], ["assis", "ta"], ["assista", "nt"],
];

function added(id: number, content: string, special: boolean, extra: Record<string, boolean> = {}): Record<string, unknown> {
  return { id, content, special, lstrip: false, rstrip: false, single_word: false, normalized: !special, ...extra };
}

/** tokenizer.json object: ids 0-255 bytes (GPT-2 alphabet), 256.. merges, 300.. added tokens. */
export function syntheticTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  BYTE_CHARS.forEach((c, i) => (vocab[c] = i));
  MERGES.forEach(([a, b], i) => (vocab[a + b] = 256 + i));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: "1.0",
    added_tokens: [
      added(IM_START, "<|im_start|>", true),
      added(IM_END, "<|im_end|>", true),
      added(EOT, "<|endoftext|>", true),
      added(THINK, "<think>", false, { normalized: false }),
      added(MASK, "<mask>", true, { lstrip: true }),
      added(WORD, "[W]", false, { single_word: true, normalized: false }),
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: { type: "BPE", vocab, merges: MERGES.map(([a, b]) => `${a} ${b}`), unk_token: null, dropout: null },
  };
}

/** tokenizer_config.json for it (Qwen-like: eos <|im_end|>, pad <|endoftext|>, no BOS). */
export function syntheticConfig(): Record<string, unknown> {
  return { eos_token: "<|im_end|>", pad_token: "<|endoftext|>", bos_token: null, add_bos_token: false };
}
