"""The original algorithm of the linear-regression experiment in numpy, for side-by-side timing.

As the original code: a fixed design X0, labels X0 w + sigma eps; every iteration solves least squares with
np.linalg.pinv on the whole training set (Accumulate stacks [X0; X0; ...] with every label set and re-solves).
Usage: python3 linear_regression_reference.py WORKFLOW DIM N ITERATIONS SEED -> seconds on stdout.
"""
import sys
import time

import numpy as np


def run(workflow: str, dim: int, n: int, iterations: int, seed: int, sigma_squared: float = 1.0) -> None:
    rng = np.random.default_rng(seed)
    w_star = rng.normal(size=dim)
    x0 = rng.normal(size=(n, dim))
    x_test = rng.normal(size=(1000, dim))
    sigma = np.sqrt(sigma_squared)
    y = x0 @ w_star + sigma * rng.normal(size=n)
    xs, ys = [x0], [y]
    x_train, y_train = x0, y
    for _ in range(iterations):
        w_hat = np.linalg.pinv(x_train) @ y_train
        _mse = np.mean((x_test @ (w_hat - w_star)) ** 2)
        y_new = x0 @ w_hat + sigma * rng.normal(size=n)
        if workflow == "Replace":
            x_train, y_train = x0, y_new
        else:
            xs.append(x0)
            ys.append(y_new)
            x_pool, y_pool = np.concatenate(xs), np.concatenate(ys)
            if workflow == "Accumulate":
                x_train, y_train = x_pool, y_pool
            else:
                idx = rng.choice(len(y_pool), size=n, replace=False)
                x_train, y_train = x_pool[idx], y_pool[idx]


if __name__ == "__main__":
    workflow, dim, n, iterations, seed = sys.argv[1], *map(int, sys.argv[2:6])
    start = time.perf_counter()
    run(workflow, dim, n, iterations, seed)
    print(time.perf_counter() - start)
