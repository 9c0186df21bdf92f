// CLI dispatcher: `weft <command> [flags]`; each command is one thin file in cli/commands/.
import { WeftError } from "../util/errors.js";

interface Command {
  run(argv: string[]): Promise<number>;
}

/** Command name -> one-line summary; the code lives in ./commands/<name>.js. */
const COMMANDS: Record<string, string> = {
  generate: "generate text from a GGUF model",
  chat: "chat with a model through its chat template (--model, --system; /reset, /exit)",
  inspect: "print a GGUF file's metadata and tensor table",
  tokenize: "print the token ids of a text",
  train: "pre-train a model from scratch (--config CONFIG.json)",
  finetune: "full or LoRA fine-tuning of a model (--model --data --method --out)",
  distill: "train a student on a teacher's softened logits (--teacher --student|--student-config --data --out)",
  plot: "draw loss curves from a metrics JSONL as a PNG (-o loss.png)",
  pull: "download hf:ORG/REPO[:FILE] into the Hugging Face cache",
  convert: "Hugging Face folder <-> GGUF (convert IN OUT [--type])",
  quantize: "quantise a GGUF or HF folder (quantize IN OUT --type q4_k_m [--calibration FILE])",
  prune: "prune weights or whole heads/neurons/layers (prune IN OUT --method wanda --sparsity 0.5)",
  eval: "evaluate a model (eval perplexity --model M --data TEXT)",
  bench: "micro-benchmarks (bench matmul --m --n --k)",
  serve: "OpenAI-compatible HTTP server with a web playground (default: the built-in model)",
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, summary]) => `  ${name.padEnd(10)} ${summary}`);
  return `usage: weft <command> [flags]\n\ncommands:\n${lines.join("\n")}\n\nRun 'weft <command> --help' for a command's flags.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    process.stderr.write(`weft: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = (await import(`./commands/${name}.js`)) as Command;
    return await mod.run(rest);
  } catch (e) {
    if (e instanceof WeftError) {
      process.stderr.write(`weft ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
