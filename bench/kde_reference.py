"""scikit-learn's KernelDensity.score_samples on the same points as this project's KDE, for side-by-side timing.

Usage: python3 kde_reference.py TRAIN.csv TEST.csv BANDWIDTH -> seconds (best of 3) on stdout.
"""
import sys
import time

import numpy as np
from sklearn.neighbors import KernelDensity

train = np.loadtxt(sys.argv[1], delimiter=",")
test = np.loadtxt(sys.argv[2], delimiter=",")
kde = KernelDensity(kernel="gaussian", bandwidth=float(sys.argv[3])).fit(train)
kde.score_samples(test[:10])
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    kde.score_samples(test)
    best = min(best, time.perf_counter() - start)
print(best)
