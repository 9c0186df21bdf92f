// Inverse rotary frequencies for a config: plain, linear, YaRN and llama3 scaling, and rope_freqs factors.
import { ropeInvFreq } from "../core/ops/rope.js";
import type { ModelConfig } from "./config.js";

export interface RopeTables {
  invFreq: Float32Array;
  attnFactor: number;
}

export function ropeTables(cfg: ModelConfig): RopeTables {
  const { nRot, ropeBase: base, ropeScaling: s } = cfg;
  let inv = ropeInvFreq(nRot, base);
  let attnFactor = 1;
  if (s.type === "linear") inv = inv.map((f) => f / s.factor);
  else if (s.type === "llama3") inv = llama3(inv, s.factor, s.lowFreqFactor, s.highFreqFactor, s.originalContext);
  else if (s.type === "yarn") ({ inv, attnFactor } = yarn(inv, cfg));
  if (cfg.ropeFreqFactors) inv = inv.map((f, i) => f / cfg.ropeFreqFactors![i]!);
  return { invFreq: inv, attnFactor };
}

/** Llama 3.1: keep high frequencies, divide low ones by factor, blend smoothly between. */
function llama3(inv: Float32Array, factor: number, low: number, high: number, orig: number): Float32Array {
  const lowWavelen = orig / low, highWavelen = orig / high;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / factor;
    const smooth = (orig / wavelen - low) / (high - low);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

/** YaRN (as llama.cpp's rope_yarn): interpolate per dimension between extrapolation and f/factor with a linear ramp. */
function yarn(inv: Float32Array, cfg: ModelConfig): { inv: Float32Array; attnFactor: number } {
  const s = cfg.ropeScaling, n = cfg.nRot, base = cfg.ropeBase;
  const corrDim = (rot: number) => (n * Math.log(s.originalContext / (rot * 2 * Math.PI))) / (2 * Math.log(base));
  const lo = Math.max(0, Math.floor(corrDim(s.betaFast)));
  const hi = Math.min(n - 1, Math.ceil(corrDim(s.betaSlow)));
  const out = inv.map((f, i) => {
    const ramp = Math.min(1, Math.max(0, (i - lo) / Math.max(0.001, hi - lo)));
    const extrapolate = 1 - ramp;
    return (f / s.factor) * (1 - extrapolate) + f * extrapolate;
  });
  const mscale = s.factor > 1 ? 1 + 0.1 * Math.log(s.factor) : 1;
  return { inv: out, attnFactor: (s.attnFactor || 1) * mscale };
}
