// Reference fused attention: per (b, h, t) a masked softmax over keys, grouped-query head sharing.
import type { AttentionParams, F32 } from "../contract.js";

/** Is key s visible to query t? (causal and sliding-window masks; see AttentionParams) */
export function visible(p: AttentionParams, t: number, s: number): boolean {
  const qPos = p.qPos0 + t;
  if (p.causal && s > qPos) return false;
  if (p.window > 0 && s <= qPos - p.window) return false;
  return true;
}

export function attention(q: F32, k: F32, v: F32, mask: F32 | null, out: F32, lse: F32, p: AttentionParams): void {
  const { B, T, S, H, Hkv, D } = p;
  const group = H / Hkv;
  const scores = new Float64Array(S);
  const acc = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const qo = ((b * T + t) * H + h) * D;
        let max = -Infinity;
        for (let s = 0; s < S; s++) {
          if (!visible(p, t, s)) { scores[s] = -Infinity; continue; }
          const ko = ((b * S + s) * Hkv + hk) * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qo + d]! * k[ko + d]!;
          const sc = dot * p.scale + (mask ? mask[t * S + s]! : 0);
          scores[s] = sc;
          if (sc > max) max = sc;
        }
        acc.fill(0);
        let sum = 0;
        if (max > -Infinity) {
          for (let s = 0; s < S; s++) {
            if (scores[s] === -Infinity) continue;
            const w = Math.exp(scores[s]! - max);
            sum += w;
            const vo = ((b * S + s) * Hkv + hk) * D;
            for (let d = 0; d < D; d++) acc[d]! += w * v[vo + d]!;
          }
        }
        const inv = sum > 0 ? 1 / sum : 0;
        for (let d = 0; d < D; d++) out[qo + d] = acc[d]! * inv;
        lse[(b * H + h) * T + t] = sum > 0 ? max + Math.log(sum) : -Infinity;
      }
    }
  }
}
