"""Purchase histories drawn from the BG/NBD process itself: the test of an estimator is that it recovers the
parameters that generated the data."""

from __future__ import annotations

import numpy as np


def bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, *, seed: int = 0, span: float = 52.0, horizon: float = 0.0
) -> tuple[np.ndarray, ...]:
    """(x, t_x, T, future): n customers whose first purchase falls uniformly in the ``span`` weeks before the end,
    and the purchases each makes in the ``horizon`` weeks after it."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(0.5, span, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    future = np.zeros(n)
    for i in range(n):
        t, alive = 0.0, True
        while alive:
            t += rng.exponential(1 / lam[i])
            if t > T[i] + horizon:
                break
            if t <= T[i]:
                x[i] += 1
                t_x[i] = t
            else:
                future[i] += 1
            alive = rng.random() >= p[i]
    return x, t_x, T, future
