// Knowledge distillation: loss = T^2 * KL(teacher_T || student_T) + alpha * cross-entropy, with teacher logits
// computed on the fly under noGrad; rows whose target is ignored do not count.
import { Tensor, fromArray } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { crossEntropy } from "../core/ops/loss.js";
import { logSoftmax } from "../core/ops/softmax.js";
import { add, mul } from "../core/ops/binary.js";
import { scale } from "../core/ops/unary.js";
import { sum } from "../core/ops/reduce.js";
import { reshape } from "../core/ops/view.js";
import type { TrainableModel } from "./trainer.js";
import { ArgumentError, ShapeError } from "../util/errors.js";

export interface DistillOptions {
  temperature?: number;
  /** Weight of the hard-label cross-entropy term (default 0.5). */
  alpha?: number;
}

/** The distillation loss for student and teacher logits [.., V] and targets [..] (-100 = ignored). */
export function distillationLoss(student: Tensor, teacher: Tensor, targets: Tensor, o: DistillOptions = {}): Tensor {
  const T = o.temperature ?? 2, alpha = o.alpha ?? 0.5;
  if (!(T > 0)) throw new ArgumentError("distill", `temperature must be > 0 but is ${T}`);
  const V = student.shape[student.rank - 1]!;
  if (teacher.shape[teacher.rank - 1] !== V) {
    throw new ShapeError("distill", `teacher vocabulary ${teacher.shape[teacher.rank - 1]} differs from the student's ${V}`);
  }
  const s = reshape(student, [-1, V]);
  const tg = targets.ids();
  // teacher distribution at temperature T, with ignored rows zeroed (a constant: no gradient)
  const pt = noGrad(() => logSoftmax(scale(reshape(teacher, [-1, V]), 1 / T))).f32().slice();
  let kept = 0;
  const plogp = new Float32Array(tg.length);
  for (let r = 0; r < tg.length; r++) {
    const keep = tg[r] !== -100;
    kept += keep ? 1 : 0;
    for (let v = 0; v < V; v++) {
      const lp = pt[r * V + v]!, p = keep ? Math.exp(lp) : 0;
      plogp[r] += p > 0 ? p * lp : 0;
      pt[r * V + v] = p;
    }
  }
  const denom = Math.max(1, kept);
  const p = fromArray(pt, [tg.length, V]);
  // KL = sum p log p - sum p log q_T, averaged over counted rows
  const cross = sum(mul(p, logSoftmax(scale(s, 1 / T))));
  const kl = scale(add(cross, -plogp.reduce((a, b) => a + b, 0)), -1 / denom);
  const soft = scale(kl, T * T);
  return alpha > 0 ? add(soft, scale(crossEntropy(student, targets), alpha)) : soft;
}

/** Teacher logits for every position of a batch, without gradients. */
export function teacherLogits(teacher: TrainableModel, input: Tensor): Tensor {
  return noGrad(() => teacher.forward(input, null, { allLogits: true }));
}
