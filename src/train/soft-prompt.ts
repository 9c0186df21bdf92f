// Soft prompts: prompt tuning (n trainable virtual-token embeddings) and P-tuning (virtual tokens reparameterised by
// an MLP prompt encoder). Both yield a prefix [n, C] for the model's forward; saved in PEFT's layouts.
import { Tensor, fromArray } from "../core/tensor.js";
import { embedding } from "../core/ops/embedding.js";
import { relu } from "../core/ops/unary.js";
import { Rng } from "../core/rng.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/layers.js";
import type { Tokenizer } from "../tokenizers/index.js";
import { ArgumentError } from "../util/errors.js";

export interface SoftPrompt extends Module {
  readonly nVirtual: number;
  /** The virtual-token embeddings [n, C] to put in front of the input. */
  prefix(): Tensor;
}

/** Prompt tuning: the prefix itself is the parameter. */
export class PromptTuning extends Module implements SoftPrompt {
  constructor(public embeddings: Tensor) {
    super();
  }

  get nVirtual(): number {
    return this.embeddings.shape[0]!;
  }

  prefix(): Tensor {
    return this.embeddings;
  }

  /** n virtual tokens initialised from the embeddings of `initText` (repeated to length n), or N(0, 0.02^2). */
  static init(n: number, table: Tensor, opts: { initText?: string; tokenizer?: Tokenizer; rng?: Rng } = {}): PromptTuning {
    if (!Number.isInteger(n) || n < 1) throw new ArgumentError("prompt-tuning", `virtual tokens must be a positive integer, got ${n}`);
    const C = table.shape[1]!;
    if (opts.initText !== undefined) {
      if (!opts.tokenizer) throw new ArgumentError("prompt-tuning", "initialising from text needs the model's tokenizer");
      const ids = opts.tokenizer.encode(opts.initText, { addBos: false });
      if (ids.length === 0) throw new ArgumentError("prompt-tuning", "the init text encodes to no tokens");
      const rows = Int32Array.from({ length: n }, (_, i) => ids[i % ids.length]!);
      const e = embedding(table.detach(), fromArray(rows, [n]));
      return new PromptTuning(fromArray(e.f32().slice(), [n, C], true));
    }
    const rng = opts.rng ?? new Rng(0);
    return new PromptTuning(fromArray(Float32Array.from({ length: n * C }, () => rng.normal() * 0.02), [n, C], true));
  }
}

/** P-tuning (MLP encoder, as PEFT's): prefix = W3 relu(W2 relu(W1 e + b1) + b2) + b3 over trainable seeds e [n, C]. */
export class PTuning extends Module implements SoftPrompt {
  constructor(public seeds: Tensor, readonly l1: Linear, readonly l2: Linear, readonly l3: Linear) {
    super();
  }

  get nVirtual(): number {
    return this.seeds.shape[0]!;
  }

  static init(n: number, C: number, hidden: number, rng = new Rng(0)): PTuning {
    const seeds = fromArray(Float32Array.from({ length: n * C }, () => rng.normal() * 0.02), [n, C], true);
    return new PTuning(seeds, Linear.init(C, hidden, { bias: true, rng }), Linear.init(hidden, hidden, { bias: true, rng }),
      Linear.init(hidden, C, { bias: true, rng }));
  }

  prefix(): Tensor {
    return this.l3.forward(relu(this.l2.forward(relu(this.l1.forward(this.seeds)))));
  }
}
