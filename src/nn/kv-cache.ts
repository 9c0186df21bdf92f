// Key/value cache for one sequence: per layer [ctx, Hkv, D] rows, stored f32 or f16.
import { f16ToF32, f32ToF16 } from "../dtype/half.js";
import { fromArray, type Tensor } from "../core/tensor.js";
import { ValueError } from "../util/errors.js";

export type KvType = "f32" | "f16";

class LayerCache {
  readonly k: Float32Array | Uint16Array;
  readonly v: Float32Array | Uint16Array;

  constructor(readonly rowSize: number, ctx: number, readonly type: KvType) {
    const make = () => (type === "f32" ? new Float32Array(ctx * rowSize) : new Uint16Array(ctx * rowSize));
    this.k = make();
    this.v = make();
  }

  write(dst: Float32Array | Uint16Array, src: Float32Array, at: number): void {
    if (dst instanceof Float32Array) dst.set(src, at * this.rowSize);
    else for (let i = 0; i < src.length; i++) dst[at * this.rowSize + i] = f32ToF16(src[i]!);
  }

  read(src: Float32Array | Uint16Array, S: number): Float32Array {
    if (src instanceof Float32Array) return src.subarray(0, S * this.rowSize);
    const out = new Float32Array(S * this.rowSize);
    for (let i = 0; i < out.length; i++) out[i] = f16ToF32(src[i]!);
    return out;
  }
}

export class KVCache {
  /** Tokens already stored (the absolute position of the next token). */
  length = 0;
  private readonly layers: LayerCache[];

  constructor(readonly nLayer: number, readonly ctx: number, readonly nHeadKv: number, readonly headDim: number, readonly type: KvType = "f32") {
    this.layers = Array.from({ length: nLayer }, () => new LayerCache(nHeadKv * headDim, ctx, type));
  }

  /** Store T new k/v rows ([1, T, Hkv, D] contiguous) for `layer` at positions length..length+T, return all keys/values so far. */
  append(layer: number, k: Tensor, v: Tensor): { k: Tensor; v: Tensor } {
    const L = this.layers[layer]!;
    const T = k.shape[1]!;
    const start = this.length;
    if (start + T > this.ctx) throw new ValueError("kvCache", `${start + T} tokens do not fit the context of ${this.ctx}`);
    L.write(L.k, k.f32(), start);
    L.write(L.v, v.f32(), start);
    const S = start + T;
    const shape = [1, S, this.nHeadKv, this.headDim];
    return { k: fromArray(L.read(L.k, S), shape), v: fromArray(L.read(L.v, S), shape) };
  }

  /** Advance after every layer has appended T tokens. */
  commit(T: number): void {
    this.length += T;
  }

  /** Forget everything from position `pos` on (for rewinding or reuse of a prefix). */
  truncate(pos: number): void {
    this.length = Math.min(this.length, Math.max(0, pos));
  }
}
