// Tokenizers of weft: build one from GGUF metadata (tokenizer.ggml.*).
import { GgufTokenizer } from "./gguf-tokenizer.js";
import { Meta } from "./meta.js";
import { loadVocab } from "./vocab.js";

export type { DecodeOptions, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer } from "./types.js";
export { GgufTokenizer } from "./gguf-tokenizer.js";
export { PRE_TOKENIZER_NAMES, preTokenizer, splitWords } from "./pretokenize.js";

/**
 * A tokenizer reproducing llama.cpp's token ids for the vocabulary in GGUF metadata: SentencePiece-style
 * ("llama"), byte-level BPE ("gpt2", pre-tokeniser from tokenizer.ggml.pre) or WordPiece ("bert").
 * Throws UnsupportedError for other tokenizer models (t5, rwkv, ...) and unknown pre-tokenisers.
 */
export function tokenizerFromGguf(metadata: Map<string, unknown>): GgufTokenizer {
  return new GgufTokenizer(loadVocab(new Meta(metadata)));
}
