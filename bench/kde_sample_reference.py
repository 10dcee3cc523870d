"""scikit-learn's KernelDensity.sample from a pool of standard normal 2-D points, for side-by-side timing.

Usage: python3 kde_sample_reference.py POOL COUNT -> seconds (best of 3) on stdout.
"""
import sys
import time

import numpy as np
from sklearn.neighbors import KernelDensity

pool = np.random.default_rng(4).standard_normal((int(sys.argv[1]), 2))
count = int(sys.argv[2])
kde = KernelDensity(kernel="gaussian", bandwidth=0.5).fit(pool)
kde.sample(10, random_state=0)
best = float("inf")
for seed in range(3):
    start = time.perf_counter()
    kde.sample(count, random_state=seed)
    best = min(best, time.perf_counter() - start)
print(best)
