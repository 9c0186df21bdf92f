/* OpenBLAS anchor for bench/kernels.ts: times cblas_sgemm (row-major, no transposes) and prints one JSON line.
 * Usage: openblas-sgemm M N K [reps]   (threads from OPENBLAS_NUM_THREADS). Compiled at bench time: cc -O2 ... -lopenblas */
#define _POSIX_C_SOURCE 199309L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

char* openblas_get_corename(void);
int openblas_get_num_threads(void);

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp_double(const void* x, const void* y) {
  double a = *(const double*)x, b = *(const double*)y;
  return (a > b) - (a < b);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s M N K [reps]\n", argv[0]);
    return 2;
  }
  int M = atoi(argv[1]), N = atoi(argv[2]), K = atoi(argv[3]);
  int reps = argc > 4 ? atoi(argv[4]) : 5;
  if (M < 1 || N < 1 || K < 1 || reps < 1 || reps > 1000) return 2;
  float* a = malloc(sizeof(float) * (size_t)M * K);
  float* b = malloc(sizeof(float) * (size_t)K * N);
  float* c = malloc(sizeof(float) * (size_t)M * N);
  double* t = malloc(sizeof(double) * reps);
  if (!a || !b || !c || !t) return 3;
  for (size_t i = 0; i < (size_t)M * K; i++) a[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (size_t i = 0; i < (size_t)K * N; i++) b[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N); /* warmup */
  for (int r = 0; r < reps; r++) {
    double t0 = now_ms();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N);
    t[r] = now_ms() - t0;
  }
  qsort(t, reps, sizeof(double), cmp_double);
  double ms = t[reps / 2];
  printf("{\"gflops\": %.3f, \"ms\": %.4f, \"core\": \"%s\", \"threads\": %d}\n", 2.0 * M * N * K / (ms * 1e6), ms,
         openblas_get_corename(), openblas_get_num_threads());
  free(a); free(b); free(c); free(t);
  return 0;
}
