// Bad inputs get typed errors that name the op and the offending values.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as W from "../../src/core/index.js";
import { fromArray, tensor } from "../../src/core/index.js";
import { DTypeError, ShapeError, ValueError, ArgumentError } from "../../src/util/errors.js";

const f = (shape: number[]) => W.zeros(shape);
const ids = (v: number[]) => fromArray(Int32Array.from(v), [v.length]);

function throwsTyped(fn: () => unknown, cls: new (...a: never[]) => Error, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

describe("typed errors", () => {
  it("matmul inner mismatch names both shapes", () =>
    throwsTyped(() => W.matmul(f([2, 3]), f([4, 5])), ShapeError, /^\[matmul\] inner dimensions differ: \[2, 3\] x \[4, 5\]/));
  it("matmul on ids is a dtype error", () => throwsTyped(() => W.matmul(ids([1, 2]), f([2, 2])), DTypeError, /\[matmul\]/));
  it("broadcast failure names the dimension", () =>
    throwsTyped(() => W.add(f([2, 3]), f([4])), ShapeError, /\[add\] shapes \[2, 3\] and \[4\] cannot be broadcast \(dimension 1: 3 vs 4\)/));
  it("rmsNorm weight of wrong rank", () =>
    throwsTyped(() => W.rmsNorm(f([2, 4]), f([2, 4])), ShapeError, /^\[rmsNorm\] weight must have 1 dimension but has 2/));
  it("layerNorm bias of wrong size", () =>
    throwsTyped(() => W.layerNorm(f([2, 4]), f([4]), f([3])), ShapeError, /\[layerNorm\] bias has 3 entries but the input's last axis is 4/));
  it("embedding id out of range", () =>
    throwsTyped(() => W.embedding(f([5, 2]), ids([1, 5])), ValueError, /\[embedding\] id 5 at position 1 is outside the vocabulary \[0, 5\)/));
  it("embedding negative id", () => throwsTyped(() => W.embedding(f([5, 2]), ids([-1])), ValueError, /id -1/));
  it("embedding float ids", () => throwsTyped(() => W.embedding(f([5, 2]), f([2])), DTypeError, /ids must be i32 but are f32/));
  it("crossEntropy target out of range", () =>
    throwsTyped(() => W.crossEntropy(f([2, 3]), ids([0, 7])), ValueError, /target 7 at position 1 is outside \[0, 3\)/));
  it("crossEntropy shape mismatch", () => throwsTyped(() => W.crossEntropy(f([2, 3]), ids([0])), ShapeError, /\[crossEntropy\]/));
  it("reshape to the wrong size", () =>
    throwsTyped(() => W.reshape(f([2, 3]), [4, 2]), ShapeError, /cannot reshape \[2, 3\] \(6 elements\) to \[4, 2\]/));
  it("axis out of range", () => throwsTyped(() => W.sum(f([2, 3]), 2), ShapeError, /\[sum\] axis 2 is out of range for a tensor of rank 2/));
  it("slice out of range", () => throwsTyped(() => W.slice(f([4]), 0, 2, 9), ShapeError, /\[slice\] range \[2, 9\)/));
  it("attention heads not a multiple", () =>
    throwsTyped(() => W.attention(f([1, 2, 3, 4]), f([1, 2, 2, 4]), f([1, 2, 2, 4])), ShapeError, /H=3 must be a multiple of kv heads Hkv=2/));
  it("rope on 3-D input", () => throwsTyped(() => W.rope(f([2, 3, 4]), 0), ShapeError, /\[rope\] input must have 4 dimensions but has 3/));
  it("rope with odd nRot", () => throwsTyped(() => W.rope(f([1, 1, 1, 4]), 0, { nRot: 3 }), ArgumentError, /nRot must be even/));
  it("tensor data that does not fill the shape", () => throwsTyped(() => tensor([1, 2, 3], [2, 2]), ShapeError, /3 values do not fill shape \[2, 2\]/));
  it("ragged nested arrays", () => throwsTyped(() => tensor([[1, 2], [3]]), ShapeError, /ragged/));
  it("dropout p out of range", () => throwsTyped(() => W.dropout(f([2]), 1), ArgumentError, /p must be in \[0, 1\)/));
  it("backward of a non-scalar without a gradient", () => {
    const x = W.ones([2], { requiresGrad: true });
    throwsTyped(() => W.backward(W.mul(x, 2)), ShapeError, /implicit gradient needs a scalar output/);
  });
  it("ids must be i32", () => throwsTyped(() => f([2]).ids(), DTypeError, /expected an i32 tensor/));
  it("requireGrad on ids", () => throwsTyped(() => ids([1]).requireGrad(), DTypeError, /only f32 tensors/));
});
