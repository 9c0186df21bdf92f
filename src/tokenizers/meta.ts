// Typed access to GGUF metadata values (plain values, arrays or typed arrays, optionally wrapped as { type, value }).
import { FormatError } from "../util/errors.js";

const OP = "tokenizer";

function unwrap(v: unknown): unknown {
  if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v) && !Array.isArray(v) && "value" in v) {
    return (v as { value: unknown }).value;
  }
  return v;
}

export class Meta {
  constructor(private readonly map: Map<string, unknown>) {}

  has(key: string): boolean {
    return this.map.has(key);
  }

  string(key: string): string | undefined {
    const v = unwrap(this.map.get(key));
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw new FormatError(OP, `metadata '${key}' must be a string but is ${describe(v)}`);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = unwrap(this.map.get(key));
    if (v === undefined) return undefined;
    if (typeof v === "boolean") return v;
    if (typeof v === "number" || typeof v === "bigint") return Number(v) !== 0;
    throw new FormatError(OP, `metadata '${key}' must be a bool but is ${describe(v)}`);
  }

  /** An integer; u32 4294967295 and negative values read as -1. */
  int(key: string): number | undefined {
    const v = unwrap(this.map.get(key));
    if (v === undefined) return undefined;
    if (typeof v !== "number" && typeof v !== "bigint") {
      throw new FormatError(OP, `metadata '${key}' must be an integer but is ${describe(v)}`);
    }
    const n = Number(v);
    if (!Number.isInteger(n)) throw new FormatError(OP, `metadata '${key}' must be an integer but is ${n}`);
    return n < 0 || n === 0xffffffff ? -1 : n;
  }

  strings(key: string): string[] | undefined {
    const v = unwrap(this.map.get(key));
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new FormatError(OP, `metadata '${key}' must be an array of strings but is ${describe(v)}`);
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== "string") {
        throw new FormatError(OP, `metadata '${key}'[${i}] must be a string but is ${describe(v[i])}`);
      }
    }
    return v as string[];
  }

  numbers(key: string): ArrayLike<number> | undefined {
    const v = unwrap(this.map.get(key));
    if (v === undefined) return undefined;
    if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
      const a = v as ArrayLike<unknown>;
      if (a.length > 0 && typeof a[0] === "bigint") return Array.from(a, (x) => Number(x));
      if (a.length > 0 && typeof a[0] !== "number") {
        throw new FormatError(OP, `metadata '${key}' must be an array of numbers but holds ${describe(a[0])}`);
      }
      return a as ArrayLike<number>;
    }
    throw new FormatError(OP, `metadata '${key}' must be an array of numbers but is ${describe(v)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v === "string" ? `the string '${v.slice(0, 40)}'` : typeof v;
}
