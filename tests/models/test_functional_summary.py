"""The functional Model's summary and default name, as Keras 3's (an InputLayer row first)."""

import os

import pytest

from deepgrad import Input, Model, Sequential, layers


def _rows(model):
    """The summary's table rows as (type, output shape, params) cells (names differ by counters)."""
    printed = []
    model.summary(print_fn=lambda text, *args, **kwargs: printed.append(text))
    lines = "\n".join(printed).splitlines()  # Keras prints the table as one string
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip("│").split("│")]
        if line.startswith("│") and len(cells) == 3:
            rows.append((cells[0].split(" ", 1)[1], cells[1], cells[2]))
    return lines[0], rows


def test_functional_summary_has_an_input_row_and_matches_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    ki = keras.Input((5, 3))
    km = keras.Model(ki, keras.layers.Dense(2)(keras.layers.LSTM(4)(ki)))
    i = Input((5, 3))
    ours = Model(i, layers.Dense(2)(layers.LSTM(4)(i)))
    title, rows = _rows(ours)
    assert _rows(km)[1] == rows == [("(InputLayer)", "(None, 5, 3)", "0"), ("(LSTM)", "(None, 4)", "128"),
                                    ("(Dense)", "(None, 2)", "10")]  # LSTM: 4 * 4 * (3 + 4 + 1)
    assert title.startswith('Model: "functional')  # Keras's default name for a functional model


def test_sequential_summary_has_no_input_row():
    _, rows = _rows(Sequential([Input((3,)), layers.Dense(2)]))
    assert rows == [("(Dense)", "(None, 2)", "8")]  # 3 * 2 + 2
