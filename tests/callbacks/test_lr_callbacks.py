"""LearningRateScheduler and ReduceLROnPlateau with Keras 3 semantics, on a stand-in model.

The stand-in has what the callbacks use (``optimizer``, ``stop_training``); the epoch loop
below calls the hooks in ``fit``'s order with History last, as Keras does.
"""

import numpy as np
import pytest

from deepgrad import optimizers as O
from deepgrad.callbacks import CallbackList, History, LearningRateScheduler, ReduceLROnPlateau


class FakeModel:
    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.stop_training = False


def run_epochs(callbacks, optimizer, metrics):
    """Epoch loop: ``metrics[e]`` are epoch e's logs; one optimizer step per epoch."""
    model, history = FakeModel(optimizer), History()
    cbs = CallbackList([*callbacks, history], model=model, params={"epochs": len(metrics)})
    w = np.zeros(1)
    cbs.on_train_begin()
    for epoch, logs in enumerate(metrics):
        cbs.on_epoch_begin(epoch)
        optimizer.apply_gradients([(np.ones(1), w)])
        logs = dict(logs)
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end()
    return history, w


def test_step_decay_of_the_notes_halves_every_5_epochs():
    sched = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch and epoch % 5 == 0 else lr)
    opt = O.SGD(0.1)
    history, w = run_epochs([sched], opt, [{"loss": 1.0}] * 12)
    expected = [0.1] * 5 + [0.05] * 5 + [0.025] * 2
    assert history.history["learning_rate"] == pytest.approx(expected, rel=1e-15)
    assert w[0] == pytest.approx(-sum(expected))  # each epoch's step used that epoch's rate
    assert history.history["loss"] == [1.0] * 12


def test_scheduler_with_one_argument_and_verbose(capsys):
    sched = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)
    history, _ = run_epochs([sched], O.Adam(), [{}] * 3)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    out = capsys.readouterr().out
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in out


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.1, "0.1", None, True])
def test_scheduler_rejects_bad_outputs_before_changing_the_rate(bad):
    opt = O.SGD(0.1)
    sched = LearningRateScheduler(lambda epoch, lr: bad)
    sched.set_model(FakeModel(opt))
    with pytest.raises(ValueError, match="schedule"):
        sched.on_epoch_begin(0)
    assert opt.learning_rate == 0.1


def test_scheduler_bad_arguments():
    with pytest.raises(TypeError, match="schedule"):
        LearningRateScheduler(0.1)
    sched = LearningRateScheduler(lambda e: 0.1)
    sched.set_model(FakeModel(None))
    with pytest.raises(ValueError, match="learning_rate"):
        sched.on_epoch_begin(0)


def test_reduce_on_plateau_constant_metric_patience_2():
    # reference §2 [verified in Keras]: lr in epochs 0-9 = 1,1,1,.1,.1,.01,.01,1e-3,1e-3,1e-4
    expected = [1, 1, 1, .1, .1, .01, .01, 1e-3, 1e-3, 1e-4]
    for cooldown in (0, 1):  # cooldown=1 is identical (the counter is decremented before the test)
        cb = ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=2, cooldown=cooldown)
        history, _ = run_epochs([cb], O.SGD(1.0), [{"val_loss": 0.5}] * 10)
        assert history.history["learning_rate"] == pytest.approx(expected, rel=1e-12)


def test_reduce_on_plateau_cooldown_2_and_min_lr():
    # epoch 0 improves; wait 1, 2 -> cut at the end of epoch 2 (lr .5, counter 2); epoch 3:
    # counter 1 (in cooldown: no wait); epoch 4: counter 0, wait 1; epoch 5: wait 2 -> cut to
    # max(.25, min_lr=.3); later cuts need lr > float32(.3) = 0.30000001: never.
    cb = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=2, min_lr=0.3)
    history, _ = run_epochs([cb], O.SGD(1.0), [{"val_loss": 0.5}] * 12)
    assert history.history["learning_rate"] == pytest.approx([1, 1, 1, .5, .5, .5] + [.3] * 6)


def test_reduce_on_plateau_notes_halving_when_validation_error_rises():
    val = [1.0, 0.8, 0.7, 0.75, 0.6, 0.65, 0.66, 0.5]
    cb = ReduceLROnPlateau("val_loss", factor=0.5, patience=1, min_delta=0.0)
    history, _ = run_epochs([cb], O.SGD(0.1), [{"val_loss": v} for v in val])
    # improved at epochs 0,1,2,4,7; worse at 3 (cut), 5 (cut), 6 (cut)
    assert history.history["learning_rate"] == pytest.approx([.1, .1, .1, .1, .05, .05, .025, .0125])


def test_reduce_on_plateau_min_delta_is_absolute_and_auto_mode_maximizes_accuracy():
    cb = ReduceLROnPlateau("val_loss", factor=0.5, patience=1, min_delta=0.1)
    history, _ = run_epochs([cb], O.SGD(1.0), [{"val_loss": v} for v in [1.0, 0.95, 0.8]])
    # 0.95 is not < 1.0 - 0.1: cut; 0.8 < 0.9: improvement
    assert history.history["learning_rate"] == pytest.approx([1.0, 1.0, 0.5])
    acc = ReduceLROnPlateau("val_accuracy", factor=0.5, patience=1, min_delta=0.0)
    history, _ = run_epochs([acc], O.SGD(1.0), [{"val_accuracy": v} for v in [0.5, 0.6, 0.55, 0.7]])
    assert history.history["learning_rate"] == pytest.approx([1.0, 1.0, 1.0, 0.5])


def test_reduce_on_plateau_missing_monitor_warns():
    cb = ReduceLROnPlateau("val_loss", patience=0)
    with pytest.warns(RuntimeWarning, match="val_loss.*Available metrics: learning_rate,loss"):
        history, _ = run_epochs([cb], O.SGD(1.0), [{"loss": 1.0}])
    assert history.history["learning_rate"] == [1.0]


def test_reduce_on_plateau_verbose(capsys):
    cb = ReduceLROnPlateau(patience=1, verbose=1)
    run_epochs([cb], O.SGD(1.0), [{"val_loss": 1.0}] * 2)
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.1." in capsys.readouterr().out


@pytest.mark.parametrize("kwargs,match", [
    ({"factor": 1.0}, "factor"), ({"factor": -0.1}, "factor"), ({"patience": -1}, "patience"),
    ({"mode": "up"}, "mode"), ({"min_delta": -1.0}, "min_delta"), ({"cooldown": 1.5}, "cooldown"),
    ({"min_lr": -1.0}, "min_lr"), ({"monitor": 3}, "monitor"),
])
def test_reduce_on_plateau_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ReduceLROnPlateau(**kwargs)


def test_schedule_object_refuses_a_float_rate_as_in_keras():
    cb = LearningRateScheduler(lambda epoch, lr: lr)
    cb.set_model(FakeModel(O.SGD(O.schedules.ExponentialDecay(0.1, 10, 0.5))))
    with pytest.raises(TypeError, match="schedule"):
        cb.on_epoch_begin(0)


@pytest.mark.parametrize("callback", [ReduceLROnPlateau(patience=1), LearningRateScheduler(lambda e: 0.1)])
def test_rate_setting_callbacks_refuse_a_scheduled_rate_before_the_first_epoch(callback):
    # the ReduceLROnPlateau case used to fail with TypeError only after `patience` epochs
    from deepgrad.layers import Dense
    from deepgrad.models import Sequential
    schedule = O.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model = Sequential([Dense(1)])
    model.compile(optimizer=O.SGD(schedule), loss="mse")
    epochs = []
    with pytest.raises(TypeError, match="`learning_rate` is a schedule"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0,
                  callbacks=[callback, _epochs_recorder(epochs)])
    assert epochs == [] and model.optimizer.iterations == 0
    assert model.optimizer.learning_rate_schedule is schedule


def _epochs_recorder(epochs):
    from deepgrad.callbacks import LambdaCallback
    return LambdaCallback(on_epoch_begin=lambda e, logs: epochs.append(e))
