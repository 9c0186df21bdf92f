// RMSNorm and LayerNorm over the last axis (fused kernels) with analytic gradients.
import { kernels } from "../../backend/registry.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { fmt } from "../shape.js";
import { f32Tensor, floatData } from "./util.js";
import { ShapeError } from "../../util/errors.js";

function checkParam(op: string, what: string, p: Tensor | null | undefined, C: number): Float32Array | null {
  if (!p) return null;
  if (p.rank !== 1) throw new ShapeError(op, `${what} must have 1 dimension but has ${p.rank}`);
  if (p.shape[0] !== C) throw new ShapeError(op, `${what} has ${p.shape[0]} entries but the input's last axis is ${C} (shape ${fmt(p.shape)})`);
  return floatData(op, p);
}

/** y = x / sqrt(mean(x^2) + eps) * w. */
export function rmsNorm(x: Tensor, w: Tensor | null, eps = 1e-5): Tensor {
  const C = x.shape[x.rank - 1]!;
  const wd = checkParam("rmsNorm", "weight", w, C);
  const xd = floatData("rmsNorm", x);
  const rows = xd.length / C;
  const y = new Float32Array(xd.length), rstd = new Float32Array(rows);
  kernels().rmsNorm(xd, wd, y, rstd, rows, C, eps);
  const inputs = w ? [x, w] : [x];
  return record(f32Tensor(y, x.shape), "rmsNorm", inputs, (g) => {
    const gd = g.f32();
    const dx = new Float32Array(xd.length), dw = new Float32Array(C);
    for (let r = 0; r < rows; r++) {
      const o = r * C, s = rstd[r]!;
      let dot = 0; // mean over the row of dxhat * xhat
      for (let c = 0; c < C; c++) {
        const xhat = xd[o + c]! * s;
        const dxhat = gd[o + c]! * (wd ? wd[c]! : 1);
        dw[c]! += gd[o + c]! * xhat;
        dot += dxhat * xhat;
      }
      dot /= C;
      for (let c = 0; c < C; c++) dx[o + c] = s * (gd[o + c]! * (wd ? wd[c]! : 1) - xd[o + c]! * s * dot);
    }
    const gx = f32Tensor(dx, x.shape);
    return w ? [gx, f32Tensor(dw, [C])] : [gx];
  });
}

/** y = (x - mean) / sqrt(var + eps) * w + b. */
export function layerNorm(x: Tensor, w: Tensor | null, b: Tensor | null, eps = 1e-5): Tensor {
  const C = x.shape[x.rank - 1]!;
  const wd = checkParam("layerNorm", "weight", w, C), bd = checkParam("layerNorm", "bias", b, C);
  const xd = floatData("layerNorm", x);
  const rows = xd.length / C;
  const y = new Float32Array(xd.length), mean = new Float32Array(rows), rstd = new Float32Array(rows);
  kernels().layerNorm(xd, wd, bd, y, mean, rstd, rows, C, eps);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  return record(f32Tensor(y, x.shape), "layerNorm", inputs, (g) => {
    const gd = g.f32();
    const dx = new Float32Array(xd.length), dw = new Float32Array(C), db = new Float32Array(C);
    for (let r = 0; r < rows; r++) {
      const o = r * C, s = rstd[r]!, mu = mean[r]!;
      let m1 = 0, m2 = 0;
      for (let c = 0; c < C; c++) {
        const xhat = (xd[o + c]! - mu) * s;
        const dxhat = gd[o + c]! * (wd ? wd[c]! : 1);
        dw[c]! += gd[o + c]! * xhat;
        db[c]! += gd[o + c]!;
        m1 += dxhat;
        m2 += dxhat * xhat;
      }
      m1 /= C;
      m2 /= C;
      for (let c = 0; c < C; c++) {
        const xhat = (xd[o + c]! - mu) * s;
        dx[o + c] = s * (gd[o + c]! * (wd ? wd[c]! : 1) - m1 - xhat * m2);
      }
    }
    return [f32Tensor(dx, x.shape), ...(w ? [f32Tensor(dw, [C])] : []), ...(b ? [f32Tensor(db, [C])] : [])];
  });
}
