// Tensor: a shape, strides and offset over typed storage, plus its place on the autograd tape.
import { allocate, f32ToStorage, storageToF32, type DType, type Storage } from "./dtype.js";
import { checkShape, contiguousStrides, fmt, numel, type Shape } from "./shape.js";
import { defaultRng, type Rng } from "./rng.js";
import type { GradNode } from "./autograd.js";
import { DTypeError, ShapeError } from "../util/errors.js";

export class Tensor {
  requiresGrad = false;
  grad: Tensor | null = null;
  /** The op that produced this tensor on the tape (null for leaves and under noGrad). */
  node: GradNode | null = null;

  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
  ) {}

  get size(): number {
    return numel(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  isContiguous(): boolean {
    let expect = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expect) return false;
      expect *= this.shape[i]!;
    }
    return true;
  }

  /** Row-major values in a storage array of this dtype: a view when contiguous, else a copy. */
  contiguousStorage(): Storage {
    if (this.isContiguous()) return this.storage.subarray(this.offset, this.offset + this.size) as Storage;
    return stridedCopy(this.storage, this.shape, this.strides, this.offset);
  }

  /** Row-major f32 values (a view for contiguous f32 tensors; treat as read-only). */
  f32(): Float32Array {
    return storageToF32(this.dtype, this.contiguousStorage());
  }

  /** Row-major int32 values of an i32 tensor. */
  ids(): Int32Array {
    if (this.dtype !== "i32") throw new DTypeError("ids", `expected an i32 tensor but got ${this.dtype}`);
    return this.contiguousStorage() as Int32Array;
  }

  toArray(): number[] {
    return Array.from(this.dtype === "i32" ? this.ids() : this.f32());
  }

  item(): number {
    if (this.size !== 1) throw new ShapeError("item", `tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return this.toArray()[0]!;
  }

  /** Same storage, cut from the tape. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.dtype, this.strides, this.offset);
  }

  /** Mark as a trainable leaf. */
  requireGrad(on = true): this {
    if (on && this.dtype !== "f32") throw new DTypeError("requireGrad", `only f32 tensors can require gradients, got ${this.dtype}`);
    this.requiresGrad = on;
    return this;
  }

  /** A copy converted to `dtype` (f16/bf16 round to nearest even). Not differentiable. */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const v = this.dtype === "i32" ? Float32Array.from(this.ids()) : this.f32();
    return new Tensor(f32ToStorage(dtype, dtype === "f32" && v === this.storage ? v.slice() : v), [...this.shape], dtype);
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype})`;
  }
}

/** Copy a strided view into fresh row-major storage of the same type. */
export function stridedCopy(src: Storage, shape: Shape, strides: Shape, offset: number): Storage {
  const n = numel(shape);
  const out = allocate(dtypeOfStorage(src), n);
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[offset]!;
    return out;
  }
  const inner = shape[rank - 1]!, si = strides[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let at = offset;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = src[at + j * si]!;
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      at += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      at -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

function dtypeOfStorage(s: Storage): DType {
  return s instanceof Float32Array ? "f32" : s instanceof Int32Array ? "i32" : "f16";
}

// ---- factories -------------------------------------------------------------------------------

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** A tensor from nested numbers or a flat array plus shape. */
export function tensor(data: ArrayLike<number> | number | NestedArray, shape?: Shape, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? "f32";
  const flat: number[] = [];
  const inferred = typeof data === "number" ? [] : inferShape(data as NestedArray | ArrayLike<number>, flat);
  if (typeof data === "number") flat.push(data);
  const sh = shape ?? inferred;
  checkShape("tensor", sh);
  if (numel(sh) !== flat.length) {
    throw new ShapeError("tensor", `${flat.length} values do not fill shape ${fmt(sh)} (${numel(sh)} elements)`);
  }
  const storage = dtype === "i32" ? Int32Array.from(flat) : f32ToStorage(dtype, Float32Array.from(flat));
  return new Tensor(storage, [...sh], dtype).requireGrad(opts.requiresGrad ?? false);
}

export type NestedArray = number | NestedArray[];

function inferShape(data: NestedArray | ArrayLike<number>, flat: number[]): number[] {
  if (typeof data === "number") {
    flat.push(data);
    return [];
  }
  if (!Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) flat.push(data[i]!);
    return [data.length];
  }
  const shapes = data.map((d) => inferShape(d, flat));
  const first = shapes[0] ?? [];
  if (!shapes.every((s) => fmt(s) === fmt(first))) throw new ShapeError("tensor", "nested arrays are ragged");
  return [data.length, ...first];
}

/** Wrap an existing typed array without copying. */
export function fromArray(data: Float32Array | Int32Array, shape: Shape, requiresGrad = false): Tensor {
  checkShape("fromArray", shape);
  if (numel(shape) !== data.length) {
    throw new ShapeError("fromArray", `${data.length} values do not fill shape ${fmt(shape)}`);
  }
  const t = new Tensor(data, [...shape], data instanceof Int32Array ? "i32" : "f32");
  return requiresGrad ? t.requireGrad() : t;
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  checkShape("full", shape);
  const dtype = opts.dtype ?? "f32";
  const s = allocate(dtype, numel(shape));
  if (value !== 0) s.fill(dtype === "f32" || dtype === "i32" ? value : f32ToStorage(dtype, Float32Array.of(value))[0]!);
  return new Tensor(s, [...shape], dtype).requireGrad(opts.requiresGrad ?? false);
}

export const zeros = (shape: Shape, opts?: TensorOptions): Tensor => full(shape, 0, opts);
export const ones = (shape: Shape, opts?: TensorOptions): Tensor => full(shape, 1, opts);

/** Normal(0, std^2) samples from a seeded generator. */
export function randn(shape: Shape, opts: TensorOptions & { rng?: Rng; std?: number } = {}): Tensor {
  checkShape("randn", shape);
  const rng = opts.rng ?? defaultRng();
  const std = opts.std ?? 1;
  const v = new Float32Array(numel(shape));
  for (let i = 0; i < v.length; i++) v[i] = rng.normal() * std;
  return fromArray(v, shape, opts.requiresGrad ?? false);
}

/** Uniform [lo, hi) samples from a seeded generator. */
export function rand(shape: Shape, opts: TensorOptions & { rng?: Rng; lo?: number; hi?: number } = {}): Tensor {
  checkShape("rand", shape);
  const rng = opts.rng ?? defaultRng();
  const lo = opts.lo ?? 0, hi = opts.hi ?? 1;
  const v = new Float32Array(numel(shape));
  for (let i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * rng.uniform();
  return fromArray(v, shape, opts.requiresGrad ?? false);
}

export function arange(n: number, dtype: DType = "i32"): Tensor {
  const v = dtype === "i32" ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = i;
  return new Tensor(v, [n], dtype === "i32" ? "i32" : "f32");
}
