// Typed errors: every message starts with "[op]" and names the offending values.

/** Base class of every error weft throws on purpose. */
export class WeftError extends Error {
  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`[${op}] ${detail}`);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the operation. */
export class ShapeError extends WeftError {}
/** A tensor of the wrong dtype for the operation. */
export class DTypeError extends WeftError {}
/** A value out of its allowed range (ids, axes, sizes, NaN where forbidden). */
export class ValueError extends WeftError {}
/** A file that does not follow its format (GGUF, safetensors, JSON, ...). */
export class FormatError extends WeftError {}
/** A request for something weft does not support (yet). */
export class UnsupportedError extends WeftError {}
/** A bad argument to a public API or CLI flag. */
export class ArgumentError extends WeftError {}
