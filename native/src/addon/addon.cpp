// N-API binding: marshals JS numbers and typed arrays to the C ABI of weft.h. No validation here (the
// TypeScript adapter validates). The module exports the SIMD kernels and, under `generic`, their scalar twins.
#include <napi.h>

#include "../../include/weft.h"

namespace {

struct Impl {
  decltype(&weft_matmul_f32) matmul;
  decltype(&weft_linear_f32) linear_f32;
  decltype(&weft_linear_f16) linear_f16;
  decltype(&weft_linear_bf16) linear_bf16;
  decltype(&weft_unary_f32) unary;
  decltype(&weft_unary_backward_f32) unary_backward;
  decltype(&weft_affine_f32) affine;
  decltype(&weft_binary_f32) binary;
  decltype(&weft_reduce_f32) reduce;
  decltype(&weft_sum_all_f32) sum_all;
  decltype(&weft_softmax_f32) softmax;
  decltype(&weft_rms_norm_f32) rms_norm;
  decltype(&weft_layer_norm_f32) layer_norm;
  decltype(&weft_rope_f32) rope;
  decltype(&weft_attention_f32) attention;
  decltype(&weft_gather_f32) gather;
  decltype(&weft_scatter_add_f32) scatter_add;
  decltype(&weft_linear_quant) linear_quant;
};

const Impl kSimd = {weft_matmul_f32, weft_linear_f32, weft_linear_f16, weft_linear_bf16, weft_unary_f32,
                    weft_unary_backward_f32, weft_affine_f32, weft_binary_f32, weft_reduce_f32, weft_sum_all_f32,
                    weft_softmax_f32, weft_rms_norm_f32, weft_layer_norm_f32, weft_rope_f32, weft_attention_f32,
                    weft_gather_f32, weft_scatter_add_f32, weft_linear_quant};
const Impl kGeneric = {weft_matmul_f32_generic, weft_linear_f32_generic, weft_linear_f16_generic,
                       weft_linear_bf16_generic, weft_unary_f32_generic, weft_unary_backward_f32_generic,
                       weft_affine_f32_generic, weft_binary_f32_generic, weft_reduce_f32_generic,
                       weft_sum_all_f32_generic, weft_softmax_f32_generic, weft_rms_norm_f32_generic,
                       weft_layer_norm_f32_generic, weft_rope_f32_generic, weft_attention_f32_generic,
                       weft_gather_f32_generic, weft_scatter_add_f32_generic, weft_linear_quant_generic};

/** Argument access: typed-array data pointers (null for JS null/undefined), element counts, numbers. */
struct Args {
  const Napi::CallbackInfo& info;
  napi_env env;
  explicit Args(const Napi::CallbackInfo& i) : info(i), env(i.Env()) {}
  const Impl& impl() const { return *static_cast<const Impl*>(info.Data()); }

  template <class T>
  T* ptr(size_t i, size_t* count = nullptr) const {
    napi_value v = info[i];
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (t != napi_object) return nullptr;
    napi_typedarray_type tt;
    size_t len = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, v, &tt, &len, &data, nullptr, nullptr) != napi_ok) return nullptr;
    if (count) *count = len;
    return static_cast<T*>(data);
  }
  size_t len(size_t i) const {
    size_t n = 0;
    ptr<void>(i, &n);
    return n;
  }
  int64_t i64(size_t i) const {
    int64_t v = 0;
    napi_get_value_int64(env, info[i], &v);
    return v;
  }
  int i32(size_t i) const { return (int)i64(i); }
  double f64(size_t i) const {
    double v = 0;
    napi_get_value_double(env, info[i], &v);
    return v;
  }
  float f32(size_t i) const { return (float)f64(i); }
};

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().matmul(a.ptr<float>(0), a.ptr<float>(1), a.ptr<float>(2), a.i64(3), a.i64(4), a.i64(5), a.i64(6),
                  a.i32(7), a.i32(8), a.i64(9), a.i64(10), a.i64(11), a.i32(12));
  return info.Env().Undefined();
}

// linear(x, wBytes, wType 0=f32 1=f16 2=bf16, out, M, N, K)
Napi::Value Linear(const Napi::CallbackInfo& info) {
  Args a(info);
  const Impl& im = a.impl();
  const float* x = a.ptr<float>(0);
  void* w = a.ptr<void>(1);
  float* out = a.ptr<float>(3);
  const int64_t M = a.i64(4), N = a.i64(5), K = a.i64(6);
  switch (a.i32(2)) {
    case 0: im.linear_f32(x, static_cast<const float*>(w), out, M, N, K); break;
    case 1: im.linear_f16(x, static_cast<const uint16_t*>(w), out, M, N, K); break;
    case 2: im.linear_bf16(x, static_cast<const uint16_t*>(w), out, M, N, K); break;
    default: break;
  }
  return info.Env().Undefined();
}

// linearQuant(ggmlType, x, wBytes, out, M, N, K) -> -1 ok, >= 0 first non-finite x index, -2 / -3 refused
Napi::Value LinearQuant(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t r = a.impl().linear_quant(a.i32(0), a.ptr<float>(1), a.ptr<uint8_t>(2), a.ptr<float>(3), a.i64(4),
                                          a.i64(5), a.i64(6));
  return Napi::Number::New(info.Env(), (double)r);
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().unary(a.i32(0), a.ptr<float>(1), a.ptr<float>(2), (int64_t)a.len(1));
  return info.Env().Undefined();
}

Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().unary_backward(a.i32(0), a.ptr<float>(1), a.ptr<float>(2), a.ptr<float>(3), a.ptr<float>(4),
                          (int64_t)a.len(1));
  return info.Env().Undefined();
}

Napi::Value Affine(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().affine(a.ptr<float>(0), a.ptr<float>(1), (int64_t)a.len(0), a.f32(2), a.f32(3));
  return info.Env().Undefined();
}

// binary(op, a, b, out, layout Float64Array [ndim, shape..., stridesA..., stridesB..., offsetA, offsetB])
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args a(info);
  const double* l = a.ptr<double>(4);
  const int nd = (int)l[0];
  int64_t buf[3 * 64];
  for (int i = 0; i < 3 * nd && i < 3 * 64; i++) buf[i] = (int64_t)l[1 + i];
  a.impl().binary(a.i32(0), a.ptr<float>(1), a.ptr<float>(2), a.ptr<float>(3), nd, buf, buf + nd, buf + 2 * nd,
                  (int64_t)l[1 + 3 * nd], (int64_t)l[2 + 3 * nd]);
  return info.Env().Undefined();
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().reduce(a.i32(0), a.ptr<float>(1), a.ptr<float>(2), a.i64(3), a.i64(4), a.i64(5));
  return info.Env().Undefined();
}

Napi::Value SumAll(const Napi::CallbackInfo& info) {
  Args a(info);
  return Napi::Number::New(info.Env(), a.impl().sum_all(a.ptr<float>(0), (int64_t)a.len(0)));
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().softmax(a.ptr<float>(0), a.ptr<float>(1), a.i64(2), a.i64(3), a.i32(4));
  return info.Env().Undefined();
}

Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().rms_norm(a.ptr<float>(0), a.ptr<float>(1), a.ptr<float>(2), a.ptr<float>(3), a.i64(4), a.i64(5),
                    a.f32(6));
  return info.Env().Undefined();
}

Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().layer_norm(a.ptr<float>(0), a.ptr<float>(1), a.ptr<float>(2), a.ptr<float>(3), a.ptr<float>(4),
                      a.ptr<float>(5), a.i64(6), a.i64(7), a.f32(8));
  return info.Env().Undefined();
}

Napi::Value Rope(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().rope(a.ptr<float>(0), a.ptr<float>(1), a.ptr<int32_t>(2), a.ptr<float>(3), a.i64(4), a.i64(5), a.i64(6),
                a.i64(7), a.i64(8), a.i32(9), a.i32(10), a.f32(11));
  return info.Env().Undefined();
}

Napi::Value Attention(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().attention(a.ptr<float>(0), a.ptr<float>(1), a.ptr<float>(2), a.ptr<float>(3), a.ptr<float>(4),
                     a.ptr<float>(5), a.i64(6), a.i64(7), a.i64(8), a.i64(9), a.i64(10), a.i64(11), a.f32(12),
                     a.i32(13), a.i64(14), a.i64(15));
  return info.Env().Undefined();
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().gather(a.ptr<float>(0), a.ptr<int32_t>(1), a.ptr<float>(2), (int64_t)a.len(1), a.i64(3));
  return info.Env().Undefined();
}

Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  Args a(info);
  a.impl().scatter_add(a.ptr<float>(0), a.ptr<int32_t>(1), a.ptr<float>(2), (int64_t)a.len(1), a.i64(3));
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  weft_set_threads(Args(info).i32(0));
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), weft_get_threads()); }

Napi::Object Kernels(Napi::Env env, const Impl* impl) {
  Napi::Object o = Napi::Object::New(env);
  void* d = const_cast<Impl*>(impl);
  o.Set("matmul", Napi::Function::New(env, Matmul, "matmul", d));
  o.Set("linear", Napi::Function::New(env, Linear, "linear", d));
  o.Set("linearQuant", Napi::Function::New(env, LinearQuant, "linearQuant", d));
  o.Set("unary", Napi::Function::New(env, Unary, "unary", d));
  o.Set("unaryBackward", Napi::Function::New(env, UnaryBackward, "unaryBackward", d));
  o.Set("affine", Napi::Function::New(env, Affine, "affine", d));
  o.Set("binary", Napi::Function::New(env, Binary, "binary", d));
  o.Set("reduce", Napi::Function::New(env, Reduce, "reduce", d));
  o.Set("sumAll", Napi::Function::New(env, SumAll, "sumAll", d));
  o.Set("softmax", Napi::Function::New(env, Softmax, "softmax", d));
  o.Set("rmsNorm", Napi::Function::New(env, RmsNorm, "rmsNorm", d));
  o.Set("layerNorm", Napi::Function::New(env, LayerNorm, "layerNorm", d));
  o.Set("rope", Napi::Function::New(env, Rope, "rope", d));
  o.Set("attention", Napi::Function::New(env, Attention, "attention", d));
  o.Set("gather", Napi::Function::New(env, Gather, "gather", d));
  o.Set("scatterAdd", Napi::Function::New(env, ScatterAdd, "scatterAdd", d));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Object simd = Kernels(env, &kSimd);
  Napi::Array names = simd.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); i++) {
    Napi::Value k = names.Get(i);
    exports.Set(k, simd.Get(k));
  }
  exports.Set("generic", Kernels(env, &kGeneric));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("simd", Napi::String::New(env, weft_simd_level()));
  return exports;
}

}  // namespace

NODE_API_MODULE(weft, Init)
