// Embedding gather by token id; the gradient scatter-adds rows back into the table.
import { kernels } from "../../backend/registry.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { checkRank, f32Tensor, floatData } from "./util.js";
import { DTypeError, ValueError } from "../../util/errors.js";

/** table [V, C], ids (i32, any shape) -> [...ids.shape, C]. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  checkRank("embedding", table, "table", 2);
  if (ids.dtype !== "i32") throw new DTypeError("embedding", `ids must be i32 but are ${ids.dtype}`);
  const [V, C] = table.shape as [number, number];
  const idv = ids.ids();
  for (let i = 0; i < idv.length; i++) {
    const id = idv[i]!;
    if (id < 0 || id >= V) throw new ValueError("embedding", `id ${id} at position ${i} is outside the vocabulary [0, ${V})`);
  }
  const out = new Float32Array(idv.length * C);
  kernels().gather(floatData("embedding", table), idv, out, C);
  return record(f32Tensor(out, [...ids.shape, C]), "embedding", [table], (g) => {
    const gt = new Float32Array(V * C);
    kernels().scatterAdd(gt, idv, g.f32(), C);
    return [f32Tensor(gt, [V, C])];
  });
}
