// weft plot METRICS.jsonl -o loss.png: train (blue) and validation (orange) loss curves as a picture.
import { writeFileSync } from "node:fs";
import { lossChart, readLossSeries } from "../../train/plot.js";
import { parseFlags, requireString, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";

const FLAGS: Flags = { output: { type: "string", short: "o", help: "PNG file to write" } };

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("plot", argv, FLAGS, "METRICS.jsonl -o loss.png");
  if (!p) return 0;
  const input = p.positionals[0];
  if (!input) throw new ArgumentError("plot", "missing METRICS.jsonl");
  const out = requireString("plot", p, "output");
  writeFileSync(out, lossChart(readLossSeries(input)));
  process.stderr.write(`weft: wrote ${out}\n`);
  return 0;
}
