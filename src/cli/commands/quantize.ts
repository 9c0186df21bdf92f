// weft quantize IN OUT --type T: an F32/F16/BF16 GGUF or HF folder to a quantised GGUF, round-to-nearest or
// calibrated (--calibration FILE: importance matrix + GPTQ), with fallbacks for rows that do not fit reported.
import { statSync } from "node:fs";
import { readSource } from "../../compress/source.js";
import { recipeFor, RECIPES } from "../../compress/recipes.js";
import { calibrateArrays, readCalibrationText } from "../../compress/imatrix.js";
import { fallbackLines, quantizeSource, type QuantMethod } from "../../compress/quantize.js";
import { setThreads } from "../../backend/registry.js";
import { numberFlag, parseFlags, stringFlag, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";

const FLAGS: Flags = {
  type: { type: "string", help: `target: ${Object.keys(RECIPES).join(", ")}` },
  calibration: { type: "string", help: "calibration text file: importance-weighted scales and GPTQ" },
  method: { type: "string", help: "rtn | imatrix | gptq (default: gptq with --calibration, else rtn)" },
  "calib-ctx": { type: "string", help: "tokens per calibration chunk (default 256)" },
  "calib-chunks": { type: "string", help: "at most this many calibration chunks (default 64)" },
  damp: { type: "string", help: "GPTQ damping, a fraction of mean(diag H) (default 0.1)" },
  "allow-requantize": { type: "boolean", help: "accept an input that is already block-quantised" },
  threads: { type: "string", short: "t", help: "native threads" },
  json: { type: "boolean", help: "print a JSON report on stdout" },
};

function method(raw: string | undefined, calibrated: boolean): QuantMethod {
  const m = raw ?? (calibrated ? "gptq" : "rtn");
  if (m !== "rtn" && m !== "imatrix" && m !== "gptq") throw new ArgumentError("quantize", `--method must be rtn, imatrix or gptq but is '${m}'`);
  if (m !== "rtn" && !calibrated) throw new ArgumentError("quantize", `--method ${m} needs --calibration FILE`);
  return m;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("quantize", argv, FLAGS, "IN(.gguf|HF folder) OUT.gguf --type T [--calibration FILE] [flags]");
  if (!p) return 0;
  const [input, output] = p.positionals;
  if (!input || !output) throw new ArgumentError("quantize", "give an input model and an output path");
  const recipe = recipeFor(stringFlag(p, "type") ?? "");
  const threads = numberFlag("quantize", p, "threads", { min: 1, max: 1024, integer: true });
  if (threads) setThreads(threads);
  const calPath = stringFlag(p, "calibration"), m = method(stringFlag(p, "method"), calPath !== undefined);
  const json = p.values.json === true, t0 = performance.now();
  const src = readSource(input, p.values["allow-requantize"] === true);
  let calibration = null;
  if (calPath) {
    if (!src.tokenizer) throw new ArgumentError("quantize", `${input} has no tokenizer, so calibration text cannot be tokenised`);
    calibration = calibrateArrays(src.config, src.arrays, src.tokenizer, readCalibrationText(calPath), {
      ctx: numberFlag("quantize", p, "calib-ctx", { min: 2, integer: true }),
      chunks: numberFlag("quantize", p, "calib-chunks", { min: 1, integer: true }),
      hessian: m === "gptq",
      onChunk: (i, n) => { if (!json && process.stderr.isTTY) process.stderr.write(`\rweft: calibration chunk ${i}/${n}`); },
    });
    if (!json && process.stderr.isTTY) process.stderr.write(`\n`);
  }
  const report = quantizeSource(src, output, {
    recipe, calibration, method: m, damp: numberFlag("quantize", p, "damp", { min: 0 }),
    onTensor: (i, n, name) => { if (!json && process.stderr.isTTY) process.stderr.write(`\rweft: [${i}/${n}] ${name.padEnd(28)}`); },
  });
  if (!json && process.stderr.isTTY) process.stderr.write("\n");
  for (const line of fallbackLines(report)) process.stderr.write(`weft: ${line}\n`);
  const bytesIn = statSync(input).isDirectory() ? null : statSync(input).size, bytesOut = statSync(output).size;
  const seconds = (performance.now() - t0) / 1000;
  if (json) {
    process.stdout.write(JSON.stringify({
      output, type: recipe.name, method: m, calibration_tokens: calibration?.tokens ?? 0, bytes_in: bytesIn, bytes_out: bytesOut, seconds,
      tensors: report.map((r) => ({ name: r.name, type: r.type, requested: r.want, fallback: r.fallback, method: r.method, bytes: r.bytes })),
      fallbacks: Object.fromEntries(report.filter((r) => r.fallback).map((r) => [r.name, r.type])),
    }) + "\n");
  } else {
    const mib = (b: number) => (b / 1048576).toFixed(2);
    process.stderr.write(`weft: wrote ${output} (${recipe.name}, ${m}): ${bytesIn !== null ? `${mib(bytesIn)} MiB -> ` : ""}${mib(bytesOut)} MiB ` +
      `in ${seconds.toFixed(1)} s; ${report.filter((r) => r.fallback).length} fallbacks\n`);
  }
  return 0;
}
