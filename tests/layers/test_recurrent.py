"""SimpleRNN, LSTM, GRU: float64 gradient checks of every option (masks and initial states
included), shapes, params, outputs that survive the next call, Keras's positional order,
the static batch size of stateful layers, reset_state, errors."""

import inspect

import numpy as np
import pytest

from deepgrad import config, gradcheck
from deepgrad.layers import GRU, LSTM, Bidirectional, Dense, Input, SimpleRNN
from deepgrad.layers.base import check_batch_split
from deepgrad.models import Sequential

pytestmark = pytest.mark.usefixtures("float64")


def grad_errors(layer, x, seed=None):
    """Relative errors of dL/dx and every weight gradient vs central differences (deepgrad.gradcheck).

    ``seed`` re-seeds the global generator before every forward so that dropout masks are
    the same in each evaluation of L.
    """
    reseed = None if seed is None else (lambda: config.seed_rng(seed))
    return gradcheck.check_layer(layer, x, reseed=reseed)


X = np.random.default_rng(1).normal(size=(3, 5, 2))

CASES = [
    (SimpleRNN, {}), (LSTM, {}), (GRU, {}), (GRU, {"reset_after": False}),
    (SimpleRNN, {"activation": "relu"}), (LSTM, {"activation": "relu"}),
    (GRU, {"activation": "relu", "recurrent_activation": "tanh"}),
    (LSTM, {"recurrent_activation": "hard_sigmoid", "activation": "elu"}),
    (LSTM, {"use_bias": False}), (GRU, {"use_bias": False}),
]
OPTIONS = [{}, {"return_sequences": True}, {"go_backwards": True},
           {"go_backwards": True, "return_sequences": True}, {"return_state": True}]


@pytest.mark.parametrize("cls,kw", CASES, ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("opt", OPTIONS, ids=str)
def test_gradients_match_central_differences(cls, kw, opt):
    errs = grad_errors(cls(4, **kw, **opt), X.copy())
    assert max(errs.values()) < 1e-6, errs


@pytest.mark.parametrize("cls,kw", [(SimpleRNN, {}), (LSTM, {}), (GRU, {}),
                                    (GRU, {"reset_after": False})])
def test_gradients_with_dropout_and_recurrent_dropout(cls, kw):
    layer = cls(4, dropout=0.3, recurrent_dropout=0.4, return_sequences=True, **kw)
    errs = grad_errors(layer, X.copy(), seed=7)
    assert max(errs.values()) < 1e-6, errs


def test_dropout_masks_are_fixed_over_time_and_scaled():
    # With dropout the input of every step is x_t * m for ONE mask m per sequence:
    # a layer fed x * m (m fixed by re-seeding) without dropout gives the same output.
    layer = SimpleRNN(3, dropout=0.5, return_sequences=True)
    x = np.ones((4, 6, 2))
    layer(x)                                              # build first: initializers draw too
    config.seed_rng(3)
    y = layer(x, training=True)
    config.seed_rng(3)
    m = (config.rng().random((4, 2)) < 0.5) / 0.5        # the draw the layer makes
    plain = SimpleRNN(3, return_sequences=True)
    plain(x)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(y, plain(x * m[:, None, :]), atol=1e-12)
    # inference: no dropout
    np.testing.assert_allclose(layer(x), plain(x), atol=1e-12)


@pytest.mark.parametrize("cls,units,expected", [
    (SimpleRNN, 3, 18),     # 3 * (2 + 3 + 1), the notes' SimpleRNN(3) on (200, 2)
    (LSTM, 16, 1216),       # 4 * 16 * (2 + 16 + 1), the notes' LSTM(16)
    (GRU, 16, 960),         # 3 * 16 * (2 + 16 + 2) with reset_after=True
])
def test_param_counts_match_keras(cls, units, expected):
    layer = cls(units)
    layer(np.zeros((1, 200, 2)))
    assert layer.count_params() == expected


def test_gru_reset_after_false_has_single_bias():
    layer = GRU(16, reset_after=False)
    layer(np.zeros((1, 4, 2)))
    assert layer.count_params() == 912             # 3 * 16 * (2 + 16 + 1)
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert layer.bias.shape == (48,)


def test_lstm_weight_layout_and_unit_forget_bias():
    layer = LSTM(5)
    layer(np.zeros((1, 3, 2)))
    assert [w.shape for w in layer.weights] == [(2, 20), (5, 20), (20,)]
    # bias blocks [i, f, c, o]: the forget block is ones, the others zeros
    np.testing.assert_array_equal(layer.bias.value, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    no = LSTM(5, unit_forget_bias=False)
    no(np.zeros((1, 3, 2)))
    np.testing.assert_array_equal(no.bias.value, np.zeros(20))


def test_recurrent_kernel_is_orthogonal_by_default():
    layer = SimpleRNN(6)
    layer(np.zeros((1, 2, 3)))
    r = layer.recurrent_kernel.value
    np.testing.assert_allclose(r.T @ r, np.eye(6), atol=1e-10)


@pytest.mark.parametrize("cls,n_states", [(SimpleRNN, 1), (LSTM, 2), (GRU, 1)])
def test_output_shapes_and_states(cls, n_states):
    x = np.random.default_rng(0).normal(size=(4, 7, 3))
    seq = cls(5, return_sequences=True, return_state=True)
    out = seq(x)
    assert len(out) == 1 + n_states
    assert out[0].shape == (4, 7, 5) and all(s.shape == (4, 5) for s in out[1:])
    np.testing.assert_allclose(out[0][:, -1], out[1])       # last output is the final h
    last = cls(5)
    last(x)
    last.set_weights(seq.get_weights())
    np.testing.assert_allclose(last(x), out[1])
    assert last.compute_output_shape((None, 7, 3)) == (None, 5)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_go_backwards_equals_forward_layer_on_reversed_input(cls):
    # Keras: go_backwards returns the outputs in reversed time order, i.e. exactly what the
    # forward layer gives on x[:, ::-1].
    x = np.random.default_rng(2).normal(size=(2, 6, 3))
    back = cls(4, go_backwards=True, return_sequences=True)
    fwd = cls(4, return_sequences=True)
    back(x)
    fwd(x)
    fwd.set_weights(back.get_weights())
    np.testing.assert_allclose(back(x), fwd(x[:, ::-1]), atol=1e-12)


def test_lstm_matches_a_literal_transcription_of_the_notes_equations():
    # i, f, o = sigmoid(...), g = tanh(...), c = f c + i g, h = o tanh(c), one step at a time.
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 4, 3))
    layer = LSTM(3, return_sequences=True)
    layer(x)
    K, R, b = (rng.normal(size=w.shape) * 0.5 for w in layer.weights)
    layer.set_weights([K, R, b])
    sig = lambda a: 1 / (1 + np.exp(-a))                   # noqa: E731
    h = c = np.zeros((2, 3))
    hs = []
    for t in range(4):
        a = x[:, t] @ K + h @ R + b
        i, f, g, o = sig(a[:, :3]), sig(a[:, 3:6]), np.tanh(a[:, 6:9]), sig(a[:, 9:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    np.testing.assert_allclose(layer(x), np.stack(hs, 1), atol=1e-12)


def test_stateful_carries_states_between_batches_until_reset():
    x = np.random.default_rng(3).normal(size=(2, 8, 3))
    full = LSTM(4)
    full(x)
    st = LSTM(4, stateful=True)
    st(x[:, :4])
    st.set_weights(full.get_weights())
    st.reset_states()
    st(x[:, :4])
    # two halves through a stateful layer == the whole sequence at once
    np.testing.assert_allclose(st(x[:, 4:]), full(x), atol=1e-12)
    st.reset_states()
    np.testing.assert_allclose(st(x[:, 4:]), full(x[:, 4:]), atol=1e-12)
    with pytest.raises(ValueError, match="batch size"):
        st(x[:1])


def test_float32_by_default():
    config.set_floatx("float32")
    layer = GRU(3, return_sequences=True)
    y = layer(np.ones((2, 3, 2)))
    assert y.dtype == np.float32 and layer.kernel.value.dtype == np.float32


def test_config_round_trip():
    layer = GRU(7, reset_after=False, go_backwards=True, return_sequences=True, dropout=0.1)
    cfg = layer.get_config()
    assert cfg["units"] == 7 and cfg["reset_after"] is False and cfg["dropout"] == 0.1
    assert cfg["recurrent_initializer"] == "orthogonal"
    clone = GRU.from_config({**cfg, "name": "clone"})
    assert clone.get_config() == {**cfg, "name": "clone"}


# ------------------------------------------------------------------------------ bad input
def test_input_must_be_3d():
    with pytest.raises(ValueError, match="3-D"):
        LSTM(3)(np.zeros((4, 5)))


def test_feature_size_change_after_build():
    layer = GRU(3)
    layer(np.zeros((1, 5, 2)))
    with pytest.raises(ValueError, match="2 features"):
        layer(np.zeros((1, 5, 4)))


def test_ragged_sequences_are_rejected():
    with pytest.raises(ValueError, match="ragged"):
        SimpleRNN(2)([[[1.0], [2.0]], [[1.0]]])


@pytest.mark.parametrize("kw,exc,word", [
    ({"units": 0}, ValueError, "units"),
    ({"units": 2.5}, TypeError, "units"),
    ({"units": 3, "activation": "nope"}, ValueError, "activation"),
    ({"units": 3, "recurrent_activation": "nope"}, ValueError, "recurrent_activation"),
    ({"units": 3, "dropout": 1.0}, ValueError, "dropout"),
    ({"units": 3, "recurrent_dropout": -0.1}, ValueError, "recurrent_dropout"),
    ({"units": 3, "return_sequences": "yes"}, TypeError, "return_sequences"),
])
def test_bad_arguments(kw, exc, word):
    with pytest.raises(exc, match=word):
        LSTM(**kw)


def test_backward_before_training_forward_raises():
    layer = SimpleRNN(2)
    layer(np.zeros((1, 3, 1)))
    with pytest.raises(RuntimeError, match="training=True"):
        layer.backward(np.zeros((1, 2)))


@pytest.mark.parametrize("opt", [{}, {"return_sequences": True, "go_backwards": True}], ids=str)
def test_wide_lstm_gradients_take_the_large_layer_path(opt):
    # LSTMs above 32 units compute weight gradients through a different (copy + one product)
    # path than small ones; check it too, with dropout on.
    layer = LSTM(40, dropout=0.2, recurrent_dropout=0.3, **opt)
    errs = grad_errors(layer, X.copy(), seed=3)
    assert max(errs.values()) < 1e-6, errs


# ------------------------------------------------------------------------------ masks, initial_state
MASK = np.array([[True, True, True, False, False],      # padded at the end
                 [False, True, True, True, True],       # padded at the start
                 [True, False, True, True, False]])     # holes


MASK_OPTIONS = [{}, {"return_sequences": True}, {"return_sequences": True, "go_backwards": True},
                {"return_sequences": True, "zero_output_for_mask": True}, {"return_state": True}]


@pytest.mark.parametrize("cls,kw", [(SimpleRNN, {}), (LSTM, {}), (GRU, {}),
                                    (GRU, {"reset_after": False}),
                                    (LSTM, {"activation": "relu"})], ids=str)
@pytest.mark.parametrize("opt", MASK_OPTIONS, ids=str)
def test_masked_gradients_match_central_differences(cls, kw, opt, called_with):
    errs = grad_errors(called_with(cls(4, **kw, **opt), mask=MASK), X.copy())
    assert max(errs.values()) < 1e-6, errs


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_masked_gradients_with_dropout(cls, called_with):
    layer = cls(4, dropout=0.3, recurrent_dropout=0.4, return_sequences=True)
    errs = grad_errors(called_with(layer, mask=MASK), X.copy(), seed=7)
    assert max(errs.values()) < 1e-6, errs


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("mask", [None, MASK], ids=["no mask", "mask"])
def test_initial_state_gradients_match_central_differences(cls, mask):
    # L = sum(r * output) as a function of the initial states: initial_state_grads after
    # backward against central differences of L in each entry of h0 (and c0).
    rng = np.random.default_rng(4)
    layer = cls(4, return_sequences=True)
    init = [rng.normal(size=(3, 4)) for _ in range(2 if cls is LSTM else 1)]
    r = rng.normal(size=(3, 5, 4))
    layer(X, training=True, mask=mask, initial_state=init)
    layer.backward(r)
    analytic = layer.initial_state_grads
    eps = 1e-6
    for s, g in zip(init, analytic):
        num = np.zeros_like(s)
        for idx in np.ndindex(s.shape):
            old = s[idx]
            s[idx] = old + eps
            up = np.vdot(r, layer(X, mask=mask, initial_state=init))
            s[idx] = old - eps
            down = np.vdot(r, layer(X, mask=mask, initial_state=init))
            s[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


def test_masked_steps_get_no_input_gradient():
    layer = LSTM(3, return_sequences=True)
    layer(X, training=True, mask=MASK)
    dx = layer.backward(np.ones((3, 5, 3)))
    np.testing.assert_array_equal(dx[~MASK], 0.0)
    assert np.all(np.abs(dx[MASK]).sum(axis=-1) > 0)


@pytest.mark.parametrize("opt,expected", [({}, None), ({"return_sequences": True}, "mask"),
                                          ({"return_state": True}, [None, None, None])],
                         ids=str)
def test_compute_mask(opt, expected):
    got = LSTM(3, **opt).compute_mask(X, MASK)
    if expected == "mask":
        assert got is MASK
    else:
        assert got == expected
    assert LSTM(3).accepts_mask and LSTM(3).supports_masking


def test_zero_output_for_mask_in_config():
    cfg = SimpleRNN(3, zero_output_for_mask=True).get_config()
    assert cfg["zero_output_for_mask"] is True
    assert SimpleRNN.from_config(cfg).zero_output_for_mask is True
    old = {k: v for k, v in cfg.items() if k != "zero_output_for_mask"}   # configs saved before
    assert SimpleRNN.from_config(old).zero_output_for_mask is False


@pytest.mark.parametrize("call_kw,exc,word", [
    ({"mask": np.ones((3, 4), bool)}, ValueError, "mask"),              # wrong timesteps
    ({"mask": np.array([["a"] * 5] * 3)}, TypeError, "mask"),
    ({"initial_state": [np.zeros((3, 4))]}, ValueError, "initial_state"),   # LSTM needs 2
    ({"initial_state": [np.zeros((3, 4)), np.zeros((2, 4))]}, ValueError, "initial_state"),
    ({"initial_state": [np.zeros((3, 4)), "c"]}, TypeError, "initial_state"),
])
def test_bad_mask_and_initial_state(call_kw, exc, word):
    layer = LSTM(4, stateful=True)
    with pytest.raises(exc, match=word):
        layer(X, **call_kw)
    assert not layer.built and layer.states is None    # refused before anything changed
    with pytest.raises(TypeError, match="zero_output_for_mask"):
        LSTM(4, zero_output_for_mask="yes")


# ------------------------------------------------------------------ outputs, Keras order, stateful
CELLS = [SimpleRNN, LSTM, GRU]
SIZES = [(1, 5), (3, 1), (1, 1), (3, 5)]      # (batch, timesteps): B == 1 or T == 1 made views


# outputs are fresh arrays
@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("B,T", SIZES)
@pytest.mark.parametrize("opts", [{"return_sequences": True}, {}, {"return_state": True},
                                  {"return_sequences": True, "return_state": True}], ids=str)
def test_inference_output_survives_the_next_call(cls, B, T, opts):
    # layers/base.py: outside training and reuse_buffers, inference returns fresh arrays, so an
    # output must not change when the layer is called again on other data.
    rng = np.random.default_rng(0)
    layer = cls(2, **opts)
    first = layer(rng.standard_normal((B, T, 3)))
    kept = [np.array(a, copy=True) for a in (first if isinstance(first, list) else [first])]
    layer(rng.standard_normal((B, T, 3)))
    for a, k in zip(first if isinstance(first, list) else [first], kept):
        np.testing.assert_array_equal(a, k)


def test_model_called_on_one_sequence_at_a_time_keeps_each_output():
    rng = np.random.default_rng(1)
    m = Sequential([LSTM(2, return_sequences=True, input_shape=(5, 3))])
    xs = [rng.standard_normal((1, 5, 3)) for _ in range(3)]
    outs = [m(x) for x in xs]
    # the same three sequences as one batch of 3 (its output never was a view: B, T > 1)
    batched = m(np.concatenate(xs))
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o[0], batched[i], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("B,T", SIZES)
def test_reused_output_buffer_only_where_the_contract_allows(cls, B, T):
    # training, or inference while reuse_buffers is True: the output may live in a buffer the
    # layer reuses (no allocation per batch); the values are still those of this call.
    rng = np.random.default_rng(2)
    layer = cls(2, return_sequences=True)
    x1, x2 = rng.standard_normal((B, T, 3)), rng.standard_normal((B, T, 3))
    y1 = layer(x1, training=True)
    ref2 = np.array(layer(x2), copy=True)            # fresh inference output for x2
    y2 = layer(x2, training=True)
    assert np.shares_memory(y1, y2)
    np.testing.assert_array_equal(y2, ref2)
    layer.reuse_buffers = True
    try:
        assert np.shares_memory(layer(x1), layer(x2))
    finally:
        layer.reuse_buffers = False
    assert not np.shares_memory(layer(x1), layer(x2))


# ------------------------------------------------------------------ Keras 3 positional order
# Transcribed from keras/src/layers/rnn/{simple_rnn,lstm,gru}.py (Keras 3): the constructor
# arguments in order, up to the first one deepgrad does not support (activity_regularizer);
# everything after it must be keyword-only so that no positional value lands elsewhere.
KERAS_POSITIONAL = {
    SimpleRNN: ["units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
                "bias_regularizer"],
    LSTM: ["units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
           "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
           "recurrent_regularizer", "bias_regularizer"],
    GRU: ["units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
          "recurrent_initializer", "bias_initializer", "kernel_regularizer",
          "recurrent_regularizer", "bias_regularizer"],
}
KEYWORD_ONLY = ["dropout", "recurrent_dropout", "return_sequences", "return_state",
                "go_backwards", "stateful"]


@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
def test_signature_is_keras_order(cls):
    params = list(inspect.signature(cls).parameters.values())
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword = [p.name for p in params if p.kind is p.KEYWORD_ONLY]
    assert positional == KERAS_POSITIONAL[cls]
    assert set(KEYWORD_ONLY) <= set(keyword)
    assert ("reset_after" in keyword) == (cls is GRU)


def test_positional_arguments_reach_their_keras_parameter():
    assert LSTM(16, "relu").activation.name == "relu"
    assert GRU(4, "relu").activation.name == "relu"
    assert SimpleRNN(4, "relu").activation.name == "relu"
    assert LSTM(4, "tanh", "hard_sigmoid").recurrent_activation.name == "hard_sigmoid"
    assert GRU(4, "tanh", "relu", False).use_bias is False
    assert SimpleRNN(4, "tanh", False).use_bias is False
    lstm = LSTM(4, "tanh", "sigmoid", True, "glorot_uniform", "orthogonal", "ones", False)
    assert lstm.unit_forget_bias is False
    lstm(np.zeros((1, 2, 3)))
    np.testing.assert_array_equal(lstm.bias.value, 1.0)   # "ones", no forget-bias override
    simple = SimpleRNN(2, "tanh", True, "zeros", "zeros", "ones")
    simple(np.zeros((1, 2, 3)))
    assert (simple.kernel.value == 0).all() and (simple.bias.value == 1).all()


@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
def test_positional_arguments_past_keras_supported_ones_are_refused(cls):
    # Keras's next positional argument is activity_regularizer, which deepgrad lacks
    n = len(KERAS_POSITIONAL[cls])
    with pytest.raises(TypeError, match="positional argument"):
        cls(*([4] + [None] * n))


# ------------------------------------------------------------------ stateful: static batch


@pytest.mark.parametrize("bad,exc", [(0, ValueError), (-3, ValueError), ("abc", TypeError),
                                     (2.0, TypeError), (True, TypeError)])
def test_input_batch_size_is_checked(bad, exc):
    with pytest.raises(exc, match="`batch_size`"):
        Input((6, 3), batch_size=bad)


def test_input_batch_size_reaches_the_layers():
    m = Sequential([Input((6, 3), batch_size=4), LSTM(3, stateful=True), Dense(1)])
    assert [l.input_shape for l in m.layers] == [(4, 6, 3), (4, 3)]
    assert m.layers[0].fixed_batch_size == 4 and m.layers[1].fixed_batch_size is None
    inp = Input((6, 3), batch_size=4)
    assert inp.batch_size == 4 and inp.get_config()["batch_size"] == 4
    assert Input((6, 3)).batch_size is None


@pytest.mark.parametrize("kw", [{"batch_input_shape": (4, 6, 3)},
                                {"input_shape": (6, 3), "batch_size": 4}], ids=str)
def test_first_layer_batch_size_is_kept(kw):
    layer = LSTM(3, stateful=True, **kw)
    cfg = layer.get_config()
    assert cfg["input_shape"] == [6, 3] and cfg["batch_size"] == 4
    m = Sequential([layer, Dense(1)])
    assert layer.input_shape == (4, 6, 3) and layer.fixed_batch_size == 4
    assert m.layers[1].input_shape == (4, 3)
    clone = LSTM.from_config({**cfg, "name": "clone"})
    Sequential([clone])
    assert clone.input_shape == (4, 6, 3)


def test_conflicting_batch_sizes_are_refused():
    with pytest.raises(ValueError, match="batch_size"):
        LSTM(3, batch_input_shape=(4, 6, 3), batch_size=2)
    with pytest.raises(ValueError, match="batch"):
        Sequential([Input((6, 3), batch_size=2), LSTM(3, stateful=True, batch_size=4)])


@pytest.mark.parametrize("make", [
    lambda: Sequential([LSTM(3, stateful=True, input_shape=(6, 3)), Dense(1)]),
    lambda: Sequential([Input((6, 3)), GRU(3, stateful=True)]),
    lambda: Sequential([Bidirectional(SimpleRNN(3, stateful=True), input_shape=(6, 3))]),
    lambda: LSTM(3, stateful=True).build((None, 6, 3)),
], ids=["input_shape", "Input", "Bidirectional", "build"])
def test_stateful_without_static_batch_size_raises_at_build(make):
    # Keras 3 RNN.build: "When using `stateful=True` in a RNN, the batch size must be static"
    with pytest.raises(ValueError, match="`stateful=True`"):
        make()


def test_direct_call_fixes_the_batch_size_of_a_stateful_layer():
    layer = LSTM(2, stateful=True)
    layer(np.zeros((4, 3, 2)))
    assert layer.input_shape == (4, 3, 2) and layer.fixed_batch_size == 4
    layer.reset_states()
    with pytest.raises(ValueError, match="batch size 4"):   # states are (4, units) arrays
        layer(np.zeros((2, 3, 2)))
    bi = Bidirectional(GRU(2, stateful=True))
    bi(np.zeros((3, 4, 2)))
    assert bi.fixed_batch_size == 3
    plain = LSTM(2)                  # not stateful: the batch axis stays free
    plain(np.zeros((4, 3, 2)))
    assert plain.input_shape == (None, 3, 2) and plain.fixed_batch_size is None
    assert plain(np.zeros((2, 3, 2))).shape == (2, 2)


def test_rejected_batch_leaves_rng_and_states_alone():
    layer = LSTM(2, stateful=True, dropout=0.5, recurrent_dropout=0.5)
    layer(np.ones((4, 3, 2)), training=True)
    states = [s.copy() for s in layer.states]
    before = config.rng().bit_generator.state
    with pytest.raises(ValueError, match="batch size"):
        layer(np.ones((2, 3, 2)), training=True)
    assert config.rng().bit_generator.state == before
    for s, k in zip(layer.states, states):
        np.testing.assert_array_equal(s, k)


def test_model_forward_checks_the_batch_of_stateful_layers():
    # model.forward calls layer.forward directly (no __call__): the check must be there too
    config.set_floatx("float32")          # float32 data into model.forward, as fit gives it
    m = Sequential([Input((6, 3), batch_size=4), LSTM(3, stateful=True), Dense(1)])
    m.forward(np.zeros((4, 6, 3), "float32"))
    with pytest.raises(ValueError, match="batch size 4"):
        m.forward(np.zeros((2, 6, 3), "float32"))


@pytest.mark.parametrize("n,bs,ok", [
    (8, 4, True), (12, 4, True), (4, 4, True), (4, 32, True),   # batches all of size 4
    (10, 4, False),            # 4, 4, 2
    (8, 2, False),             # batches of 2
    (8, 8, False),             # one batch of 8
    (3, 32, False),            # one batch of 3
])
def test_check_batch_split(n, bs, ok):
    m = Sequential([Input((6, 3), batch_size=4), LSTM(3, stateful=True), Dense(1)])
    if ok:
        check_batch_split(m.layers, n, bs, "fit")
    else:
        with pytest.raises(ValueError, match=r"fit: .*`batch_size`=" + str(bs)):
            check_batch_split(m.layers, n, bs, "fit")
    # no stateful layer: any split is fine
    check_batch_split(Sequential([Input((6, 3)), LSTM(3), Dense(1)]).layers, n, bs, "fit")
    check_batch_split(Sequential([Input((6, 3), batch_size=4), LSTM(3)]).layers, n, bs, "fit")


def test_check_batch_split_names_the_argument():
    m = Sequential([Bidirectional(LSTM(3, stateful=True), batch_input_shape=(4, 6, 3))])
    assert m.layers[0].fixed_batch_size == 4
    with pytest.raises(ValueError, match="`validation_batch_size`=3"):
        check_batch_split(m.layers, 12, 3, "fit", "validation_batch_size")


# ------------------------------------------------------------------ argument checks and API

ARG_CASES = [("kernel_initializer", "nope"), ("recurrent_initializer", "nope"),
             ("bias_initializer", "nope"), ("kernel_initializer", 5),
             ("recurrent_initializer", None),
             ("kernel_regularizer", "nope"), ("recurrent_regularizer", "nope"),
             ("bias_regularizer", 5), ("activation", "nope"), ("recurrent_activation", "nope")]


@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("arg,value", ARG_CASES, ids=str)
def test_bad_initializer_regularizer_activation_names_argument_and_layer(cls, arg, value):
    if cls is SimpleRNN and arg == "recurrent_activation":
        pytest.skip("SimpleRNN has no recurrent_activation")
    with pytest.raises((ValueError, TypeError)) as info:
        cls(2, **{arg: value})
    msg = str(info.value)
    assert msg.startswith(cls.__name__ + ":") and f"`{arg}`" in msg, msg


@pytest.mark.parametrize("method", ["reset_state", "reset_states"])
def test_reset_state_and_its_alias(method):
    x = np.random.default_rng(4).normal(size=(2, 3, 2))
    layer = LSTM(3, stateful=True)
    first = layer(x)
    assert not np.allclose(layer(x), first)                  # continues from kept states
    getattr(layer, method)()
    np.testing.assert_allclose(layer(x), first)              # from zeros again
    bi = Bidirectional(SimpleRNN(3, stateful=True))
    first = bi(x)
    getattr(bi, method)()
    np.testing.assert_allclose(bi(x), first)


# ------------------------------------------------------------------ saved files
def test_a_file_saved_before_the_reference_steps_still_loads_and_predicts_the_same():
    # tests/layers/data/recurrent_v1.deepgrad was written by deepgrad at commit da76d5b (before
    # masks, zero_output_for_mask and the reference steps) with:
    #   config.seed_rng(0)
    #   m = Sequential([SimpleRNN(3, return_sequences=True, input_shape=(4, 2)),
    #                   Bidirectional(LSTM(2, return_sequences=True), merge_mode="concat"),
    #                   GRU(3, reset_after=False, return_sequences=True), GRU(2), Dense(1)])
    #   m.compile("adam", "mse"); x = default_rng(1).normal(size=(5, 4, 2)).astype("float32")
    #   m.fit(x, np.ones((5, 1), "float32"), epochs=1, verbose=0); m.save(path)
    # and EXPECTED is that model's m.predict(x) then, printed with repr.
    import pathlib

    from deepgrad.models import load_model

    config.set_floatx("float32")
    path = pathlib.Path(__file__).parent / "data" / "recurrent_v1.deepgrad"
    m = load_model(str(path))
    x = np.random.default_rng(1).normal(size=(5, 4, 2)).astype("float32")
    expected = [-0.004509355872869492, -0.021509632468223572, 0.0009695715270936489,
                0.006122528575360775, 0.011473148129880428]
    np.testing.assert_allclose(m.predict(x, verbose=0).ravel(), expected, rtol=0, atol=1e-7)
    assert m.layers[0].zero_output_for_mask is False          # the default, absent in the file
    assert m.layers[1].forward_layer.zero_output_for_mask is True   # Bidirectional's rule
