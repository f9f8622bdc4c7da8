"""deepgrad.plotting.ewma / plot_ewma: deck 002's exponentially weighted moving average."""

import numpy as np
import pytest

from deepgrad.plotting import ewma, noisy_series, plot_ewma


def test_ewma_by_hand():
    # theta = 1, 2, 3 with beta = 0.5 and V_0 = 0:
    # V_1 = 0.5*0 + 0.5*1 = 0.5;  V_2 = 0.25 + 1 = 1.25;  V_3 = 0.625 + 1.5 = 2.125
    np.testing.assert_allclose(ewma([1, 2, 3], 0.5), [0.5, 1.25, 2.125])
    # bias-corrected: V_t / (1 - 0.5^t): 0.5/0.5 = 1, 1.25/0.75 = 5/3, 2.125/0.875 = 17/7
    np.testing.assert_allclose(ewma([1, 2, 3], 0.5, True), [1, 5 / 3, 17 / 7])
    # a constant signal: the corrected average is exact from the first step
    np.testing.assert_allclose(ewma(np.full(20, 4.0), 0.98, True), 4.0)
    with pytest.raises(ValueError, match="beta"):
        ewma([1.0], 1.0)
    with pytest.raises(ValueError, match="theta"):
        ewma([], 0.5)


def test_figure_two_panels_three_betas_and_the_data():
    fig = plot_ewma()
    left, right = fig.axes
    assert "without" in left.get_title() and "with bias correction" in right.get_title()
    for ax, corrected in ((left, False), (right, True)):
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["data theta_t", "beta = 0.5", "beta = 0.9", "beta = 0.98"]
        lines = {l.get_label(): np.asarray(l.get_ydata()) for l in ax.get_lines()}
        theta = lines["data theta_t"]
        np.testing.assert_allclose(theta, noisy_series())
        np.testing.assert_allclose(lines["beta = 0.98"], ewma(theta, 0.98, corrected))
    # without correction beta = 0.98 starts near 0 (V_1 = 0.02 theta_1); with it, at theta_1
    l98 = {l.get_label(): l.get_ydata() for l in left.get_lines()}["beta = 0.98"]
    r98 = {l.get_label(): l.get_ydata() for l in right.get_lines()}["beta = 0.98"]
    t1 = noisy_series()[0]
    assert l98[0] == pytest.approx(0.02 * t1) and r98[0] == pytest.approx(t1)
