"""Memory: repeated fit/predict calls on the same model do not accumulate memory.

Measured with tracemalloc (NumPy reports its buffers to it), after a warm-up that lets the
model's one-time buffers (packed weights, optimizer slots, dropout mask buffers) be created.
"""

import gc
import tracemalloc

import numpy as np

from deepgrad.layers import Dense, Dropout
from deepgrad.models import Sequential
from deepgrad.utils import set_random_seed

CALLS = 200
# One leaked float32 array of the smallest activation (16 x 16) per call would add 200 KiB.
ALLOWED_GROWTH = 64 * 1024


def test_200_fit_predict_calls_do_not_grow_memory():
    set_random_seed(0)
    g = np.random.default_rng(0)
    x = g.normal(size=(48, 8))
    y = np.eye(3)[np.arange(48) % 3]
    model = Sequential([Dense(16, activation="relu", input_shape=(8,), dtype="float64"),
                        Dropout(0.2, dtype="float64"),
                        Dense(16, activation="relu", dtype="float64"),
                        Dense(3, activation="softmax", dtype="float64")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])

    def call():
        model.fit(x, y, epochs=1, batch_size=16, verbose=0, validation_split=0.25)
        model.predict(x, verbose=0)

    for _ in range(10):
        call()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(10):
            call()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(CALLS):
            call()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < ALLOWED_GROWTH, f"memory grew by {after - before} bytes over {CALLS} fit+predict calls"
