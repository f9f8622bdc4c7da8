"""deepgrad.plotting.plot_activations: deck 001's activations and derivatives, as drawn."""

import numpy as np
import pytest

from deepgrad.plotting import NOTES_ACTIVATIONS, activation_curves, plot_activations


def test_one_panel_per_activation_with_f_and_its_derivative():
    fig = plot_activations()
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == list(NOTES_ACTIVATIONS)
    for ax in axes:
        assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] \
            == ["f(z)", "f'(z)"]
    texts = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert texts == ["f(z)", "f'(z)"]
    assert fig._suptitle.get_text().startswith("Activations")


def _curve(fig, title, label):
    ax = next(a for a in fig.axes if a.get_title() == title)
    line = next(l for l in ax.get_lines() if l.get_label() == label)
    return np.asarray(line.get_xdata()), np.asarray(line.get_ydata())


def test_drawn_values_are_the_activations_and_their_derivatives():
    fig = plot_activations()
    z, y = _curve(fig, "sigmoid", "f(z)")
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-z)), rtol=1e-12)
    z, dy = _curve(fig, "sigmoid", "f'(z)")
    assert dy.max() == pytest.approx(0.25)            # sigma'(0) = 1/4, the largest slope
    z, dy = _curve(fig, "tanh", "f'(z)")
    assert dy.max() == pytest.approx(1.0)             # tanh'(0) = 1 - tanh(0)^2 = 1
    z, dy = _curve(fig, "leaky ReLU (a=0.01)", "f'(z)")
    np.testing.assert_allclose(dy[z < 0], 0.01)
    np.testing.assert_allclose(dy[z > 0], 1.0)
    z, y = _curve(fig, "swish (beta=2)", "f(z)")
    np.testing.assert_allclose(y, z / (1 + np.exp(-2 * z)), rtol=1e-12)   # z sigma(beta z)
    z, dy = _curve(fig, "softplus", "f'(z)")
    np.testing.assert_allclose(dy, 1 / (1 + np.exp(-z)), rtol=1e-12)     # zeta' = sigma


def test_derivative_curves_match_central_differences_of_the_forward_curves():
    z = np.linspace(-3, 3, 61) + 1e-3      # off the kinks at 0
    h = 1e-6
    for label, ident in NOTES_ACTIVATIONS.items():
        _, d = activation_curves(ident, z)
        fp, _ = activation_curves(ident, z + h)
        fm, _ = activation_curves(ident, z - h)
        np.testing.assert_allclose(d, (fp - fm) / (2 * h), rtol=1e-5, atol=1e-7, err_msg=label)


def test_a_subset_and_bad_names():
    fig = plot_activations(["ReLU", "mish"], ncols=2)
    assert [ax.get_title() for ax in fig.axes] == ["ReLU", "mish"]
    with pytest.raises(ValueError, match="unknown `names`"):
        plot_activations(["relu!"])
    with pytest.raises(ValueError, match="zmin < zmax"):
        plot_activations(zmin=1, zmax=0)
