// Public tokenizer contract shared by every tokenizer weft builds (GGUF vocabularies, tokenizer.json).

/** Options of Tokenizer.encode. */
export interface EncodeOptions {
  /** Prepend BOS (WordPiece: [CLS]); default: the vocabulary's add_bos flag. */
  addBos?: boolean;
  /** Append EOS (WordPiece: [SEP]); default: the vocabulary's add_eos flag. */
  addEos?: boolean;
  /** Turn control-token texts found in the text into their ids; default false (user text never becomes control tokens). */
  parseSpecial?: boolean;
}

/** Options of Tokenizer.decode. */
export interface DecodeOptions {
  /** Drop control and unknown tokens instead of rendering their text; default false. */
  skipSpecial?: boolean;
  /** Apply llama.cpp's clean_up_tokenization_spaces passes (" ," -> ","); default false, which keeps round trips exact. */
  cleanSpaces?: boolean;
}

/** Options of Tokenizer.streamDecoder. */
export interface StreamDecoderOptions {
  /** Emit nothing for control and unknown tokens; default false. */
  skipSpecial?: boolean;
}

/** Incremental detokeniser: never emits part of a UTF-8 character. */
export interface StreamDecoder {
  /** Add one token; returns the text that became complete (possibly ""). */
  push(id: number): string;
  /** End of stream: returns what is left (an incomplete trailing sequence becomes U+FFFD). */
  flush(): string;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly eot?: number | null;
  readonly addBos: boolean;
  readonly addEos: boolean;
  /** Token ids of the text; addBos defaults to this.addBos, parseSpecial to false. */
  encode(text: string, opts?: EncodeOptions): number[];
  /** Text of the ids (control tokens rendered unless skipSpecial). */
  decode(ids: ArrayLike<number>, opts?: DecodeOptions): string;
  /** Text of one token as llama.cpp's token_to_piece(special = true); a lone byte token decodes to U+FFFD. */
  tokenToPiece(id: number): string;
  /** Raw bytes of one token's piece (byte-fallback tokens give their single byte). */
  tokenToBytes?(id: number): Uint8Array;
  streamDecoder(opts?: StreamDecoderOptions): StreamDecoder;
  /** Control (and unknown) tokens: never produced from user text unless parseSpecial. */
  isSpecial(id: number): boolean;
  /** End-of-generation ids: eos, eot, eom and llama.cpp's text-detected end markers. */
  isEog(id: number): boolean;
}
