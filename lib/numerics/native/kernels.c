// The toolkit's hot loops in C, compiled on first use by mod.ts with the machine's C compiler and called through
// Deno's FFI. Written with GCC/Clang vector extensions (four doubles per operation: AVX2 where the machine has it,
// else pairs of SSE2 registers; eight in the kernel sums' exponentials with AVX-512). Compiled without -ffast-math
// and with -ffp-contract=off, so the arithmetic is the one written here, operation by operation, and every machine
// computes the same bits. The TypeScript loops compute the same quantities where no compiler is available (and
// serve as the tests' reference).
//
// One translation unit (a "unity build"): mod.ts compiles this file, which includes the parts below, so the inline
// helpers of vectors.h are shared and inlined; the cache key covers every file of this folder.
#include "vectors.h"
#include "kde_sums.c"     // the KDE's kernel sums (lib/numerics/kernel_sums.ts)
#include "kde_moments.c"  // the KDE's Taylor moments (lib/numerics/kernel_moments.ts)
#include "dot_rows.c"     // C = A B^T: Gram matrices, the Gaussian's scatter and samples (lib/numerics/matrix.ts)
#include "rng.c"          // the seeded generator and its draws (lib/numerics/rng.ts, lib/models/multinomial.ts)
#include "pool_tally.c"   // the discrete pools' tally (lib/models/discrete.ts)
#include "kmeans.c"       // k-means' passes over the points, the mixtures' EM start (lib/models/kmeans.ts)
#include "linalg.c"       // the Gaussian's pivoted Cholesky and products, least squares' plain Cholesky
#include "limits.c"       // the machine's peak and bandwidth, for the benchmark's roofline (tools/bench_limits.ts)
#include "binned_sums.c"  // the binned sums of a growing pool (lib/numerics/binned_sums.ts)
#include "gather_rows.c"  // a pool's selected rows (lib/numerics/matrix.ts)
