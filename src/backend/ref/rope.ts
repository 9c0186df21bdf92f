// Reference rotary position embedding (normal and neox pairings), forward or inverse rotation.
import type { F32, I32, RopeParams } from "../contract.js";

export function rope(x: F32, out: F32, positions: I32, invFreq: F32, p: RopeParams): void {
  const { B, T, H, D, nRot } = p;
  const half = nRot / 2;
  const sign = p.inverse ? -1 : 1;
  if (out !== x) out.set(x);
  for (let bt = 0; bt < B * T; bt++) {
    const pos = positions[bt]!;
    for (let i = 0; i < half; i++) {
      const angle = pos * invFreq[i]!;
      const c = Math.cos(angle) * p.attnFactor, s = sign * Math.sin(angle) * p.attnFactor;
      for (let h = 0; h < H; h++) {
        const base = (bt * H + h) * D;
        const i0 = base + (p.neox ? i : 2 * i);
        const i1 = base + (p.neox ? i + half : 2 * i + 1);
        const x0 = x[i0]!, x1 = x[i1]!;
        out[i0] = x0 * c - x1 * s;
        out[i1] = x0 * s + x1 * c;
      }
    }
  }
}
