"""The original algorithm of the Gaussian experiment in numpy, for side-by-side timing.

Follows the original code's approach: refit mean and biased covariance on the
whole training set every iteration (Accumulate re-scans the growing pool), and
sample with numpy's SVD-based multivariate_normal.
Usage: python3 gaussian_reference.py WORKFLOW DIM N ITERATIONS SEED -> seconds on stdout.
"""
import sys
import time

import numpy as np


def run(workflow: str, dim: int, n: int, iterations: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    real = rng.multivariate_normal(np.zeros(dim), np.eye(dim), size=n)
    pool = real
    data = real
    for _ in range(iterations):
        mean = data.mean(axis=0)
        cov = np.cov(data, rowvar=False, bias=True).reshape(dim, dim)
        _metrics = (np.sum(mean**2), np.linalg.det(cov), np.trace(cov) / dim)
        new = rng.multivariate_normal(mean, cov, size=n)
        if workflow == "Replace":
            data = new
        else:
            pool = np.concatenate([pool, new])
            if workflow == "Accumulate":
                data = pool
            else:
                data = pool[rng.choice(len(pool), size=n, replace=False)]


if __name__ == "__main__":
    workflow, dim, n, iterations, seed = sys.argv[1], *map(int, sys.argv[2:6])
    start = time.perf_counter()
    run(workflow, dim, n, iterations, seed)
    print(time.perf_counter() - start)
