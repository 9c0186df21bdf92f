// Rotary position embedding on [B, T, H, D] (llama "normal" or neox pairing); the VJP is the inverse rotation.
import { kernels } from "../../backend/registry.js";
import type { RopeParams } from "../../backend/contract.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { fmt } from "../shape.js";
import { checkRank, f32Tensor, floatData } from "./util.js";
import { ArgumentError, ShapeError } from "../../util/errors.js";

export interface RopeOptions {
  /** Rotated dims per head (default D); must be even. */
  nRot?: number;
  /** theta base (default 10000). */
  base?: number;
  /** GPT-NeoX pairing (i, i + nRot/2), used by qwen2 and gpt-neox; default false (llama pairs 2i, 2i+1). */
  neox?: boolean;
  /** Linear position scaling: theta_i / factor (default 1). */
  freqScale?: number;
  /** Hook for YaRN/llama3/... scaling: full override of the nRot/2 inverse frequencies. */
  invFreq?: Float32Array;
  /** Multiplies cos and sin (YaRN's attention factor); default 1. */
  attnFactor?: number;
}

/** theta_i = base^(-2i / nRot) * freqScale for i < nRot/2. */
export function ropeInvFreq(nRot: number, base = 10000, freqScale = 1): Float32Array {
  const f = new Float32Array(nRot / 2);
  for (let i = 0; i < nRot / 2; i++) f[i] = freqScale * Math.pow(base, (-2 * i) / nRot);
  return f;
}

/** positions: one per (b, t) row, or a start offset shared by every batch row. */
export function rope(x: Tensor, positions: Int32Array | number, opts: RopeOptions = {}): Tensor {
  checkRank("rope", x, "input", 4);
  const [B, T, H, D] = x.shape as [number, number, number, number];
  const nRot = opts.nRot ?? D;
  if (nRot % 2 !== 0 || nRot > D) throw new ArgumentError("rope", `nRot must be even and <= D=${D} but is ${nRot}`);
  const invFreq = opts.invFreq ?? ropeInvFreq(nRot, opts.base ?? 10000, opts.freqScale ?? 1);
  if (invFreq.length !== nRot / 2) throw new ShapeError("rope", `invFreq has ${invFreq.length} entries, expected ${nRot / 2}`);
  const pos = positionsFor(positions, B, T);
  const params: RopeParams = { B, T, H, D, nRot, neox: opts.neox ?? false, inverse: false, attnFactor: opts.attnFactor ?? 1 };
  const y = new Float32Array(x.size);
  kernels().rope(floatData("rope", x), y, pos, invFreq, params);
  return record(f32Tensor(y, x.shape), "rope", [x], (g) => {
    const dx = new Float32Array(x.size);
    // (attnFactor * R)^T = attnFactor * R^-1: the inverse rotation with the same factor
    kernels().rope(g.f32(), dx, pos, invFreq, { ...params, inverse: true });
    return [f32Tensor(dx, x.shape)];
  });
}

function positionsFor(positions: Int32Array | number, B: number, T: number): Int32Array {
  if (typeof positions !== "number") {
    if (positions.length !== B * T) throw new ShapeError("rope", `positions has ${positions.length} entries, expected B*T = ${B * T} (${fmt([B, T])})`);
    return positions;
  }
  const p = new Int32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) p[b * T + t] = positions + t;
  return p;
}
