"""deepgrad.plotting.deep_mlp: per-layer gradient norms of a deep MLP (deck 000's story)."""

import numpy as np
import pytest

from deepgrad.plotting import CASES, deep_mlp_gradient_norms, plot_deep_gradient_norms


@pytest.fixture(scope="module")
def results():
    # one epoch of 10 steps per case (1000 images, batch 100): a few seconds in all
    return {label: deep_mlp_gradient_norms(**cfg, epochs=1) for label, cfg in CASES.items()}


def test_one_record_per_dense_layer_and_step(results):
    for norms in results.values():
        assert list(norms) == [f"dense_{i}" for i in range(1, 10)]   # 8 hidden + output
        assert all(len(v) == 10 for v in norms.values())


def test_sigmoid_first_layer_vanishes_relu_he_and_batchnorm_do_not(results):
    sig = results["sigmoid, default init"]
    he = results["ReLU, He init"]
    bn = results["sigmoid + BatchNormalization"]
    # sigma' <= 1/4 per layer: 8 sigmoid layers shrink the first layer's gradient by > 1e3
    assert sig["dense_1"][0] < 1e-3 * sig["dense_9"][0]
    assert sig["dense_1"][0] < 1e-3 * he["dense_1"][0]
    assert he["dense_1"][0] > 0.1 * he["dense_9"][0]
    assert bn["dense_1"][0] > 100 * sig["dense_1"][0]


def test_exploding_case_overflows_and_clipnorm_keeps_it_finite(results):
    wild = results["exploding: ReLU, large init, no clipping"]
    tamed = results["exploding: same with clipnorm=1"]
    assert wild["dense_1"][0] > 100                          # already large at step 1
    assert not np.all(np.isfinite(wild["dense_1"]))          # overflow later
    assert np.all(np.isfinite(tamed["dense_1"]))
    assert tamed["dense_1"][-1] < tamed["dense_1"][0]


def test_figure_panels_lines_and_legend(results):
    fig = plot_deep_gradient_norms(results)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:4] == list(CASES)[:4]
    assert "overflow" in titles[4] and titles[5] == list(CASES)[5]
    for ax in fig.axes:
        assert ax.get_yscale() == "log"
        assert len(ax.get_lines()) >= 9
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == "layer 1" and legend[-1] == "layer 9 (output)"
    first = fig.axes[0].get_lines()[0].get_ydata()
    np.testing.assert_allclose(first, results["sigmoid, default init"]["dense_1"])


def test_bad_initializer():
    with pytest.raises(ValueError, match="initializer"):
        deep_mlp_gradient_norms(initializer="huge")
