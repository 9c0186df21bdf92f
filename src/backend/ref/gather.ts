// Reference embedding gather and its scatter-add transpose.
import type { F32, I32 } from "../contract.js";

export function gather(table: F32, ids: I32, out: F32, C: number): void {
  for (let n = 0; n < ids.length; n++) out.set(table.subarray(ids[n]! * C, ids[n]! * C + C), n * C);
}

export function scatterAdd(grad: F32, ids: I32, dy: F32, C: number): void {
  for (let n = 0; n < ids.length; n++) {
    const g = ids[n]! * C, o = n * C;
    for (let c = 0; c < C; c++) grad[g + c]! += dy[o + c]!;
  }
}
