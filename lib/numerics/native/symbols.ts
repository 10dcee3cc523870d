/**
 * The C functions of kernels.c as Deno's FFI sees them: each one's parameter
 * and result types, in the order of its C signature (mod.ts opens the library
 * with them and wraps each in a typed function). Tested in mod_test.ts.
 *
 * @module
 */

/** Every exported function of kernels.c and its FFI signature. */
export const SYMBOLS = {
  kde_add_sums: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32", "f64", "f64", "i32", "i32", "buffer", "buffer"],
    result: "void",
  },
  kde_moments_add: {
    parameters: ["buffer", "i32", "i32", "buffer", "f64", "f64", "i32", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  kmeans_nearest: { parameters: ["buffer", "i32", "i32", "buffer", "i32", "buffer"], result: "i32" },
  kmeans_distances: { parameters: ["buffer", "i32", "i32", "i32", "buffer", "buffer"], result: "f64" },
  kmeans_sums: { parameters: ["buffer", "i32", "i32", "buffer", "buffer", "buffer"], result: "void" },
  gaussian_log_density: {
    parameters: ["buffer", "i32", "i32", "buffer", "buffer", "f64", "buffer"],
    result: "void",
  },
  centred_columns: {
    parameters: ["buffer", "i32", "i32", "buffer", "buffer", "buffer", "buffer"],
    result: "void",
  },
  drawn_columns: {
    parameters: ["buffer", "i32", "i32", "buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "void",
  },
  dot_rows: { parameters: ["buffer", "buffer", "buffer", "i32", "i32", "i32", "i32"], result: "void" },
  dot_rows_trapezoid: {
    parameters: ["buffer", "buffer", "buffer", "i32", "i32", "i32", "buffer", "buffer"],
    result: "void",
  },
  column_sums: { parameters: ["buffer", "i32", "i32", "buffer"], result: "void" },
  psd_pivoted_cholesky: {
    parameters: ["buffer", "i32", "f64", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  gaussian_triangular_product: { parameters: ["buffer", "i32", "i32", "buffer", "buffer", "buffer"], result: "void" },
  gaussian_dense_product: {
    parameters: ["buffer", "i32", "i32", "buffer", "buffer", "i32", "buffer"],
    result: "void",
  },
  gaussian_gram: { parameters: ["buffer", "i32", "i32", "buffer", "buffer"], result: "void" },
  gram_of_columns: { parameters: ["buffer", "i32", "i32", "buffer"], result: "void" },
  cholesky_plain: { parameters: ["buffer", "i32", "f64", "buffer", "buffer"], result: "i32" },
  binned_add: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32", "f64", "i32", "f64", "buffer", "buffer", "buffer"],
    result: "void",
  },
  binned_eval: {
    parameters: ["i32", "f64", "i32", "f64", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "void",
  },
  peak_multiply_add: { parameters: ["i64", "i32"], result: "f64" },
  peak_lanes: { parameters: [], result: "i32" },
  exp_throughput: { parameters: ["i64"], result: "f64" },
  stream: { parameters: ["buffer", "buffer", "buffer", "i64", "i32", "i32"], result: "f64" },
  pool_tally_rolls: { parameters: ["buffer", "i32", "f64", "buffer", "buffer", "buffer"], result: "i32" },
  pool_tally: {
    parameters: ["buffer", "i32", "f64", "buffer", "buffer", "buffer", "i32", "buffer"],
    result: "i32",
  },
  rng_fill_normal: { parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "i32", "i32"], result: "i32" },
  rng_gammas: { parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "i32"], result: "i32" },
  rng_multinomial: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  rng_ints: { parameters: ["buffer", "f64", "buffer", "i32"], result: "void" },
  rng_kde_sample: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "i32", "i32", "f64", "buffer", "i32", "i32"],
    result: "i32",
  },
  gather_rows: {
    parameters: ["buffer", "buffer", "i32", "i32", "i32", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  rng_bootstrap_means: { parameters: ["buffer", "buffer", "i32", "buffer", "i32"], result: "void" },
  rng_sample_without_replacement: {
    parameters: ["buffer", "f64", "i32", "buffer", "buffer", "buffer"],
    result: "void",
  },
} as const;
