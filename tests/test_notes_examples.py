"""The notes' Keras snippets run with only the imports changed (examples/notes_*.py)."""

import importlib.util
import pathlib
import re

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def notes_mlp():
    return load("notes_mlp")


@pytest.fixture(scope="module")
def small_data(notes_mlp):
    return notes_mlp.load_notes_data(limit=256)


@pytest.mark.parametrize("name", ["sgd", "sgd_0.05", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adam_0.05"])
def test_each_notes_optimizer_call_trains_the_notes_mlp(notes_mlp, small_data, name, capsys):
    model, history = notes_mlp.run(name, *small_data, nepochs=1, verbose=0)
    out = capsys.readouterr().out
    # the slides' summary: 401,920 + 262,656 + 5,130 = 669,706 trainable parameters, none frozen
    assert "Total params: 669,706" in out and "Trainable params: 669,706" in out
    assert "Non-trainable params: 0" in out
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert model.optimizer.iterations == 2  # 256 samples / batch 128


def test_notes_optimizer_calls_resolve_to_the_stated_hyperparameters(notes_mlp):
    adam = notes_mlp.NOTES_OPTIMIZERS["adam_0.05"]()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == pytest.approx((0.05, 0.85, 0.95, 1e-5))
    nesterov = notes_mlp.NOTES_OPTIMIZERS["nesterov"]()
    assert nesterov.nesterov and nesterov.momentum == pytest.approx(0.9)
    adagrad = notes_mlp.NOTES_OPTIMIZERS["adagrad"]()
    assert adagrad.initial_accumulator_value == pytest.approx(0.1)  # Keras default, as the slide states


def test_notes_rnn_summaries_match_the_slides(capsys):
    notes_rnn = load("notes_rnn")
    notes_rnn.simple_rnn_model()
    out = capsys.readouterr().out
    # SimpleRNN(3) on 2 features: 3*(2 + 3 + 1) = 18; Dense(1): 3 + 1 = 4; total 22
    assert re.search(r"simple_rnn\S* \(SimpleRNN\) +│ \(None, 3\) +│ +18 │", out) and "Total params: 22" in out
    notes_rnn.lstm_model()
    out = capsys.readouterr().out
    # LSTM(16): 4*16*(2 + 16 + 1) = 1,216; Dense(1): 16 + 1 = 17; total 1,233
    assert "1,216" in out and "Total params: 1,233" in out
