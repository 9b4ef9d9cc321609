#!/usr/bin/env python3
"""Writes the .npz fixtures of AuditTests with NumPy itself, so the reader is tested on what
numpy.savez and numpy.savez_compressed really write (zip64 extra fields, header padding).

    python3 Tests/AuditTests/Fixtures/make_fixtures.py

Weights are k/8 for small integers k, exact in float32 and float64, so the tests can state them.
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
# A 3-4-2 network in NumPy's convention: W1 (in, out) = (3, 4), b1 (4,), W2 (4, 2), b2 (2,).
w1 = (np.arange(12, dtype=np.float32).reshape(3, 4) - 5) / 8
b1 = np.array([1, -1, 0, 2], dtype=np.float32) / 8
w2 = (np.arange(8, dtype=np.float32).reshape(4, 2) - 3) / 8
b2 = np.array([0.5, -0.25], dtype=np.float32)

np.savez(os.path.join(here, "mlp-3-4-2.npz"), w1, b1, w2, b2)
np.savez_compressed(os.path.join(here, "mlp-3-4-2-compressed.npz"), w1, b1, w2, b2)
np.savez(os.path.join(here, "mlp-3-4-2-float64.npz"), *(a.astype(np.float64) for a in (w1, b1, w2, b2)))
np.savez(os.path.join(here, "mlp-3-4-2-fortran.npz"), np.asfortranarray(w1), b1, np.asfortranarray(w2), b2)
np.savez(os.path.join(here, "mlp-named.npz"), W1=w1, b1=b1, W2=w2, b2=b2)
np.savez(os.path.join(here, "mlp-int32.npz"), w1.astype(np.int32), b1, w2, b2)
np.savez(os.path.join(here, "data.npz"), images=np.arange(6, dtype=np.uint8).reshape(2, 3),
         labels=np.array([1, 0], dtype=np.int64))
