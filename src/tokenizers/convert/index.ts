// Vocabulary conversion between GGUF (tokenizer.ggml.*) and Hugging Face tokenizer files, both ways.
export { hfTokenizerFromGguf, type HfTokenizerFiles } from "./gguf-to-hf.js";
export { ggufVocabFromHf, type GgufVocab } from "./hf-to-gguf.js";
export { hfSourceFromFolder, hfSourceFromJson, type HfTokenizerSource } from "./hf-source.js";
export { compareTokenizers, PROBE_TEXTS } from "./probe.js";
export { mergesFromScores, scoresFromMerges } from "./spm-merges.js";
