// Logging to stderr, so stdout stays clean for --json output.
const levels = { error: 0, warn: 1, info: 2, debug: 3 } as const;
type Level = keyof typeof levels;

function current(): number {
  const v = (process.env.WEFT_LOG ?? "warn") as Level;
  return levels[v] ?? levels.warn;
}

function emit(level: Level, msg: string): void {
  if (levels[level] <= current()) process.stderr.write(`weft ${level}: ${msg}\n`);
}

export const log = {
  error: (m: string) => emit("error", m),
  warn: (m: string) => emit("warn", m),
  info: (m: string) => emit("info", m),
  debug: (m: string) => emit("debug", m),
};

const warnedOnce = new Set<string>();
/** Warn once per process for a given key (e.g. "native addon missing"). */
export function warnOnce(key: string, msg: string): void {
  if (warnedOnce.has(key)) return;
  warnedOnce.add(key);
  process.stderr.write(`weft warning: ${msg}\n`);
}
