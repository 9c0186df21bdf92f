// Small assertion helpers that throw typed errors.
import { ArgumentError, WeftError } from "./errors.js";

type ErrorClass = new (op: string, detail: string) => WeftError;

/** Throw `new cls(op, detail)` unless `cond` holds. */
export function check(cond: boolean, cls: ErrorClass, op: string, detail: () => string): asserts cond {
  if (!cond) throw new cls(op, detail());
}

/** A non-negative safe integer, or an ArgumentError naming `what`. */
export function checkIndex(value: number, op: string, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ArgumentError(op, `${what} must be a non-negative integer but is ${value}`);
  }
  return value;
}
