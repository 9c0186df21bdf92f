// softmax and logSoftmax over the last axis, with their gradients.
import { kernels } from "../../backend/registry.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { normAxis } from "../shape.js";
import { contiguous, transpose } from "./view.js";
import { f32Tensor, floatData } from "./util.js";

function lastAxis(x: Tensor, axis: number, f: (t: Tensor) => Tensor): Tensor {
  const a = normAxis("softmax", axis, x.rank);
  if (a === x.rank - 1) return f(x);
  return transpose(f(contiguous(transpose(x, a, -1))), a, -1);
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return lastAxis(x, axis, (t) => softmaxLast(t, false));
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return lastAxis(x, axis, (t) => softmaxLast(t, true));
}

function softmaxLast(x: Tensor, log: boolean): Tensor {
  const xd = floatData(log ? "logSoftmax" : "softmax", x);
  const cols = x.shape[x.rank - 1] ?? 1;
  const rows = cols === 0 ? 0 : xd.length / cols;
  const y = new Float32Array(xd.length);
  kernels().softmax(xd, y, rows, cols, log);
  const out = f32Tensor(y, x.shape);
  return record(out, log ? "logSoftmax" : "softmax", [x], (g) => {
    const gd = g.f32();
    const dx = new Float32Array(y.length);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let s = 0;
      // softmax: dx = y * (g - sum(g * y)); logSoftmax: dx = g - exp(y) * sum(g)
      for (let c = 0; c < cols; c++) s += log ? gd[o + c]! : gd[o + c]! * y[o + c]!;
      for (let c = 0; c < cols; c++) {
        dx[o + c] = log ? gd[o + c]! - Math.exp(y[o + c]!) * s : y[o + c]! * (gd[o + c]! - s);
      }
    }
    return [f32Tensor(dx, x.shape)];
  });
}
