{
  "targets": [
    {
      "target_name": "weft",
      "sources": [
        "native/src/addon/addon.cpp",
        "native/src/parallel/pool.cpp",
        "native/src/kernels/gemm.cpp",
        "native/src/kernels/gemm_direct.cpp",
        "native/src/kernels/gemm_generic.cpp",
        "native/src/kernels/matmul.cpp",
        "native/src/kernels/linear.cpp",
        "native/src/kernels/unary.cpp",
        "native/src/kernels/binary.cpp",
        "native/src/kernels/reduce.cpp",
        "native/src/kernels/norm.cpp",
        "native/src/kernels/softmax.cpp",
        "native/src/kernels/rope.cpp",
        "native/src/kernels/attention.cpp",
        "native/src/kernels/gather.cpp",
        "native/src/kernels/quant_act.cpp",
        "native/src/kernels/quant_generic.cpp",
        "native/src/kernels/quant_avx512_legacy.cpp",
        "native/src/kernels/quant_avx512_k.cpp",
        "native/src/kernels/quant_avx2.cpp",
        "native/src/kernels/quant_panel.cpp",
        "native/src/kernels/quant_panel_repack.cpp",
        "native/src/kernels/quant_linear.cpp"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-fno-omit-frame-pointer"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-O3", "-march=<!(node -p \"process.env.WEFT_NATIVE_ARCH || 'native'\")", "-fno-exceptions", "-fno-math-errno", "-Wno-maybe-uninitialized"],
      "cflags_cc": ["-O3", "-march=<!(node -p \"process.env.WEFT_NATIVE_ARCH || 'native'\")", "-std=c++17", "-fno-exceptions", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-march=native"],
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-march=native", "-std=c++17"],
        "GCC_ENABLE_CPP_EXCEPTIONS": "NO"
      }
    }
  ]
}
