"""Weighted random draws, from numpy's generator (vectorised) or Python's (one at a time).

Everything the generator draws comes from one ``numpy.random.Generator`` and one
``random.Random`` seeded with the run's seed, in a fixed order: a change to the order of the
draws anywhere changes every file after it.
"""

from __future__ import annotations

import math
import random

import numpy as np


def choice_idx(g: np.random.Generator, weights, n: int) -> np.ndarray:
    """n indices into weights, drawn with those weights."""
    w = np.asarray(weights, dtype=float)
    return g.choice(len(w), size=n, p=w / w.sum())


def pick(r: random.Random, table) -> str:
    """Weighted pick from ((value, weight), ...)."""
    return r.choices([t[0] for t in table], weights=[t[1] for t in table])[0]


def binomial(r: random.Random, n: int, p: float) -> int:
    """About n * p: Poisson by inversion for small means, else a rounded normal."""
    if p <= 0:
        return 0
    mean = n * p
    if mean < 30:
        lim, k, prod = math.exp(-mean), 0, r.random()
        while prod > lim:
            k += 1
            prod *= r.random()
        return min(k, n)
    return max(0, min(n, int(round(r.gauss(mean, math.sqrt(mean * (1 - p)))))))
