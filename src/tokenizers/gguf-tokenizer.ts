// The Tokenizer built from a GGUF vocabulary: special-token partition, then SPM, byte-level BPE or WordPiece.
import { BpeModel } from "./bpe.js";
import { decodeIds, Pieces, streamDecoder } from "./detok.js";
import { partition } from "./partition.js";
import { SpmModel } from "./spm.js";
import type { DecodeOptions, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer } from "./types.js";
import { newUtf8Decoder, wellFormed } from "./unicode.js";
import type { Vocab, VocabKind } from "./vocab.js";
import { wpmTokenize } from "./wpm.js";

export class GgufTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly eot: number | null;
  readonly addBos: boolean;
  readonly addEos: boolean;
  /** "spm" (tokenizer.ggml.model = llama), "bpe" (gpt2) or "wpm" (bert). */
  readonly kind: VocabKind;
  private readonly pieces: Pieces;
  private readonly bpe: BpeModel | null;
  private readonly spm: SpmModel | null;

  constructor(private readonly vocab: Vocab) {
    this.vocabSize = vocab.tokens.length;
    this.bos = vocab.bos;
    this.eos = vocab.eos;
    this.eot = vocab.eot;
    this.addBos = vocab.addBos;
    this.addEos = vocab.addEos;
    this.kind = vocab.kind;
    this.pieces = new Pieces(vocab);
    this.bpe = vocab.kind === "bpe" ? new BpeModel(vocab, vocab.merges!, vocab.pre!) : null;
    this.spm = vocab.kind === "spm" ? new SpmModel(vocab) : null;
  }

  /** Name of the pre-tokeniser in use (byte-level BPE only). */
  get preTokenizer(): string | null {
    return this.vocab.pre?.name ?? null;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const v = this.vocab;
    const out: number[] = [];
    const addBos = opts.addBos ?? this.addBos;
    const addEos = opts.addEos ?? this.addEos;
    if (addBos && v.bos !== null) out.push(v.bos);
    const frags = partition(v, wellFormed(text), opts.parseSpecial ?? false);
    let prevSpecial = true; // SentencePiece: a space is prefixed at the start and after every special token
    for (const f of frags) {
      if (typeof f === "number") {
        out.push(f);
        prevSpecial = true;
        continue;
      }
      this.encodeText(f, prevSpecial, out);
      prevSpecial = false;
    }
    const end = v.kind === "wpm" ? v.sep : v.eos;
    if (addEos && end !== null) out.push(end);
    return out;
  }

  private encodeText(text: string, prevSpecial: boolean, out: number[]): void {
    const v = this.vocab;
    if (this.bpe) this.bpe.tokenize(text, out);
    else if (this.spm) {
      const t = v.addSpacePrefix && prevSpecial ? " " + text : text;
      this.spm.tokenize(t.replaceAll(" ", "\u2581"), out);
    } else wpmTokenize(v, text, out);
  }

  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    return decodeIds(this.vocab, this.pieces, ids, opts);
  }

  tokenToPiece(id: number): string {
    return newUtf8Decoder().decode(this.pieces.bytes(id));
  }

  tokenToBytes(id: number): Uint8Array {
    return this.pieces.bytes(id).slice();
  }

  streamDecoder(opts: StreamDecoderOptions = {}): StreamDecoder {
    return streamDecoder(this.pieces, opts);
  }

  isSpecial(id: number): boolean {
    return id >= 0 && id < this.vocabSize && this.pieces.isSpecial(id);
  }

  isEog(id: number): boolean {
    return this.vocab.eog.has(id);
  }

  /** Text of a token as stored in the vocabulary (U+2581 / byte-level alphabet included). */
  tokenText(id: number): string | undefined {
    return this.vocab.tokens[id];
  }

  /** Id of an exact token text, if the vocabulary has it. */
  tokenId(text: string): number | undefined {
    return this.vocab.textToId.get(text);
  }
}
