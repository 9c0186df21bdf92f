// Flag parsing for subcommands on top of node:util parseArgs, with typed errors and --help text.
import { parseArgs } from "node:util";
import { ArgumentError } from "../util/errors.js";

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  help: string;
  multiple?: boolean;
}

export type Flags = Record<string, FlagSpec>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parse argv for `command`; returns null when --help was printed. */
export function parseFlags(command: string, argv: string[], flags: Flags, synopsis: string): Parsed | null {
  const options = Object.fromEntries(Object.entries({ ...flags, help: { type: "boolean", short: "h", help: "show this help" } as FlagSpec })
    .map(([k, f]) => [k, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ArgumentError(command, (e as Error).message);
  }
  if (parsed.values.help) {
    const lines = Object.entries(flags).map(([k, f]) => `  --${k}${f.type === "string" ? " VALUE" : ""}`.padEnd(28) + f.help);
    process.stdout.write(`usage: weft ${command} ${synopsis}\n\n${lines.join("\n")}\n`);
    return null;
  }
  return parsed as Parsed;
}

/** A numeric flag in [min, max], integer when asked; undefined when absent. */
export function numberFlag(command: string, p: Parsed, name: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const raw = p.values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const bad = typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))
    || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max);
  if (bad) {
    const range = `${opts.min ?? "-inf"}..${opts.max ?? "inf"}`;
    throw new ArgumentError(command, `--${name} must be ${opts.integer ? "an integer" : "a number"} in ${range} but is '${String(raw)}'`);
  }
  return v;
}

export function stringFlag(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === "string" ? v : undefined;
}

export function requireString(command: string, p: Parsed, name: string): string {
  const v = stringFlag(p, name);
  if (v === undefined) throw new ArgumentError(command, `--${name} is required`);
  return v;
}
