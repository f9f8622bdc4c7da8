"""Regression tests for the review of the recurrent layers (output aliasing, Keras argument
order, static batch size of stateful layers, argument checks, reset_state, time profiles)."""

import inspect

import numpy as np
import pytest

from deepgrad import config
from deepgrad.callbacks import GradientNorms
from deepgrad.datasets import adding_problem
from deepgrad.layers import GRU, LSTM, Bidirectional, Dense, Input, SimpleRNN
from deepgrad.layers.base import check_batch_split
from deepgrad.models import Sequential

CELLS = [SimpleRNN, LSTM, GRU]
SIZES = [(1, 5), (3, 1), (1, 1), (3, 5)]      # (batch, timesteps): B == 1 or T == 1 made views


# ------------------------------------------------------------------ 1. outputs are fresh arrays
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


# ------------------------------------------------------------------ 2. Keras 3 positional order
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


# ------------------------------------------------------------------ 3. stateful: static batch


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


# ------------------------------------------------------------------ 4. argument checks and API

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


@pytest.mark.parametrize("attr", ["stateful", "return_sequences"])
def test_bidirectional_backward_layer_must_match(attr):
    # Keras Bidirectional._verify_layer_config: stateful, return_sequences, return_state equal
    kw = {attr: True}
    with pytest.raises(ValueError, match=f'"{attr}"'):
        Bidirectional(GRU(3), backward_layer=GRU(3, go_backwards=True, **kw))
    with pytest.raises(ValueError, match=f'"{attr}"'):
        Bidirectional(GRU(3, **kw), backward_layer=GRU(3, go_backwards=True))
    b = Bidirectional(GRU(3, **kw), backward_layer=GRU(3, go_backwards=True, **kw),
                      batch_input_shape=(2, 4, 3))
    assert getattr(b.backward_layer, attr) is True


def test_bidirectional_return_state_is_refused_on_either_layer():
    with pytest.raises(ValueError, match="return_state"):
        Bidirectional(GRU(3), backward_layer=GRU(3, go_backwards=True, return_state=True))


@pytest.mark.parametrize("dtype,exc", [("int32", ValueError), ("bool", ValueError),
                                       ("complex64", ValueError), ("foo", TypeError),
                                       (3, TypeError)])
def test_adding_problem_dtype_must_be_float(dtype, exc):
    with pytest.raises(exc, match="`dtype`"):
        adding_problem(3, timesteps=4, seed=0, dtype=dtype)


def test_adding_problem_float_dtypes():
    x, y = adding_problem(3, timesteps=4, seed=0, dtype="float64")
    assert x.dtype == y.dtype == np.float64
    x16, _ = adding_problem(3, timesteps=4, seed=0, dtype=np.float16)
    np.testing.assert_allclose(x16, x, atol=1e-3)            # same draws, coarser type


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


@pytest.mark.usefixtures("float64")
def test_gradient_norms_time_profile_of_bidirectional():
    rng = np.random.default_rng(0)
    X, Y = rng.random((8, 6, 2)), rng.random((8, 1))
    m = Sequential([Bidirectional(LSTM(3), input_shape=(6, 2)), Dense(1)])
    m.compile("sgd", "mse")
    # independent: dL/dx of the whole model at the initial weights, one full batch
    out = m.forward(X, training=True)
    dx = m.backward(2 * (out - Y) / Y.size)                  # d mean((out - y)^2) / d out
    expected = np.sqrt((dx ** 2).sum(axis=(0, 2)))           # ||dL/dx_t|| for each t
    cb = GradientNorms()
    m.fit(X, Y, batch_size=8, epochs=1, callbacks=[cb], verbose=0)
    np.testing.assert_allclose(cb.time_profile[m.layers[0].name], expected, rtol=1e-10)
    assert m.layers[1].name not in cb.time_profile


@pytest.mark.usefixtures("float64")
def test_gradient_norms_are_taken_before_clipping():
    from deepgrad.optimizers import SGD

    rng = np.random.default_rng(1)
    X, Y = rng.random((8, 6, 2)), rng.random((8, 1))
    m = Sequential([LSTM(3, input_shape=(6, 2)), Dense(1)])
    m.compile(SGD(0.01, clipnorm=1e-6), "mse")
    out = m.forward(X, training=True)
    m.backward(2 * (out - Y) / Y.size)
    raw = {l.name: np.sqrt(sum((w.grad ** 2).sum() for w in l.trainable_weights))
           for l in m.layers}
    cb = GradientNorms()
    h = m.fit(X, Y, batch_size=8, epochs=1, callbacks=[cb], verbose=0)
    for name, value in raw.items():
        assert value > 1e-3                                  # far above the clip norm
        assert h.history["grad_norm_" + name][0] == pytest.approx(value, rel=1e-10)
