// weft prune IN OUT --method magnitude|wanda|2:4|heads|ffn|layers --sparsity S: sparse weights (same size) or a
// smaller model (fewer heads, FFN neurons or layers), optionally recovered with LoRA fine-tuning.
import { statSync } from "node:fs";
import { readSource } from "../../compress/source.js";
import { readCalibrationText } from "../../compress/imatrix.js";
import { pruneSource, PRUNE_METHODS, type PruneMethod } from "../../compress/prune-model.js";
import { recipeFor } from "../../compress/recipes.js";
import { setThreads } from "../../backend/registry.js";
import { numberFlag, parseFlags, stringFlag, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";

const FLAGS: Flags = {
  method: { type: "string", help: `${PRUNE_METHODS.join(" | ")}` },
  sparsity: { type: "string", help: "fraction removed: weights per row, heads, FFN neurons or layers (2:4 is always 0.5)" },
  calibration: { type: "string", help: "calibration text (needed by wanda, layers and --recover-steps; ranks heads/ffn by activations)" },
  "calib-ctx": { type: "string", help: "tokens per calibration chunk (default 256)" },
  "calib-chunks": { type: "string", help: "at most this many calibration chunks (default 64)" },
  "recover-steps": { type: "string", help: "LoRA recovery fine-tuning steps on the calibration text (default 0)" },
  "recover-lr": { type: "string", help: "recovery learning rate (default 1e-3)" },
  "recover-rank": { type: "string", help: "recovery LoRA rank (default 8)" },
  type: { type: "string", help: "output type (default: the input's), e.g. f16 or q8_0" },
  threads: { type: "string", short: "t", help: "native threads" },
  json: { type: "boolean", help: "print a JSON report on stdout" },
};

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("prune", argv, FLAGS, "IN(.gguf|HF folder) OUT.gguf --method M [--sparsity S] [--calibration FILE] [flags]");
  if (!p) return 0;
  const [input, output] = p.positionals;
  if (!input || !output) throw new ArgumentError("prune", "give an input model and an output path");
  const method = stringFlag(p, "method") as PruneMethod | undefined;
  if (!method || !PRUNE_METHODS.includes(method)) throw new ArgumentError("prune", `--method must be one of ${PRUNE_METHODS.join(", ")}`);
  const sparsity = numberFlag("prune", p, "sparsity", { min: 0, max: 0.99 }) ?? (method === "2:4" ? 0.5 : undefined);
  if (sparsity === undefined) throw new ArgumentError("prune", "--sparsity is required");
  const threads = numberFlag("prune", p, "threads", { min: 1, max: 1024, integer: true });
  if (threads) setThreads(threads);
  const calPath = stringFlag(p, "calibration"), type = stringFlag(p, "type"), json = p.values.json === true;
  const t0 = performance.now();
  const src = readSource(input);
  const r = pruneSource(src, output, {
    method, sparsity, calibration: calPath ? readCalibrationText(calPath) : undefined,
    calibCtx: numberFlag("prune", p, "calib-ctx", { min: 2, integer: true }), calibChunks: numberFlag("prune", p, "calib-chunks", { min: 1, integer: true }),
    recoverSteps: numberFlag("prune", p, "recover-steps", { min: 0, integer: true }), recoverLr: numberFlag("prune", p, "recover-lr", { min: 0 }),
    recoverRank: numberFlag("prune", p, "recover-rank", { min: 1, integer: true }), recipe: type ? recipeFor(type) : undefined,
    onRecoverStep: (step, loss) => { if (!json && process.stderr.isTTY) process.stderr.write(`\rweft: recovery step ${step} loss ${loss.toFixed(4)}`); },
  });
  if (!json && process.stderr.isTTY && r.recoverLoss) process.stderr.write("\n");
  const seconds = (performance.now() - t0) / 1000, bytesIn = statSync(input).isDirectory() ? null : statSync(input).size, bytesOut = statSync(output).size;
  if (json) {
    process.stdout.write(JSON.stringify({ output, ...r, bytes_in: bytesIn, bytes_out: bytesOut, seconds }) + "\n");
    return 0;
  }
  const shape = (c: typeof r.before) => `${c.nLayer} layers, ${c.nHead}/${c.nHeadKv} heads, ffn ${c.ffnDim}`;
  process.stderr.write(`weft: ${method}: ${(r.sparsity * 100).toFixed(1)}% ${["magnitude", "wanda", "2:4"].includes(method) ? "of block weights zeroed" : "removed"}; ` +
    `${shape(r.before)} -> ${shape(r.after)}; ${r.paramsBefore} -> ${r.paramsAfter} parameters\n`);
  if (r.recoverLoss) process.stderr.write(`weft: recovery loss ${r.recoverLoss.first.toFixed(4)} -> ${r.recoverLoss.last.toFixed(4)}\n`);
  process.stderr.write(`weft: wrote ${output} (${(bytesOut / 1048576).toFixed(2)} MiB${bytesIn ? ` from ${(bytesIn / 1048576).toFixed(2)}` : ""}) in ${seconds.toFixed(1)} s\n`);
  return 0;
}
