"""deepgrad.plotting.plot_schedules: the learning-rate schedules against the step."""

import numpy as np
import pytest

from deepgrad.plotting import notes_schedules, plot_schedules


def _lines(fig):
    ax = fig.axes[0]
    return {l.get_label(): np.asarray(l.get_ydata()) for l in ax.get_lines()}


def test_one_line_per_schedule_with_the_legend():
    fig = plot_schedules(steps=1000, initial_learning_rate=0.1)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("training step") and ax.get_ylabel() == "learning rate"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == list(notes_schedules())
    assert any("InverseTimeDecay" in t for t in legend) and any("decay=" in t for t in legend)


def test_values_follow_the_schedule_formulas():
    lines = _lines(plot_schedules(steps=1000, initial_learning_rate=0.1))
    t = np.arange(1000)
    step = lines["step (PiecewiseConstantDecay)"]
    # boundaries at 400 and 700 (Keras: value[i] while step <= boundary[i])
    assert step[400] == pytest.approx(0.1) and step[401] == pytest.approx(0.01)
    assert step[701] == pytest.approx(0.001)
    np.testing.assert_allclose(lines["exponential (ExponentialDecay)"], 0.1 * 0.1 ** (t / 1000),
                               rtol=1e-6)
    # deck 004: lr0 / (1 + decay * step), decay = 9 / 1000, so lr(1000) would be lr0 / 10
    inv = 0.1 / (1 + 0.009 * t)
    np.testing.assert_allclose(lines["1/t (InverseTimeDecay)"], inv, rtol=1e-6)
    # Keras 2's decay= of SGD is the same curve (the optimizer's own learning rate at each step)
    np.testing.assert_allclose(lines["Keras 2 SGD(decay=...) (= 1/t)"], inv, rtol=1e-6)
    cos = lines["cosine with restarts (CosineDecayRestarts)"]
    # first period 100 steps: half-way down at 50, restart to lr0 at 100, next period 200
    assert cos[50] == pytest.approx(0.05, rel=1e-6)
    assert cos[100] == pytest.approx(0.1) and cos[200] == pytest.approx(0.05, rel=1e-6)


def test_bad_schedules_argument():
    with pytest.raises(TypeError, match="non-empty dict"):
        plot_schedules(schedules=[])
