"""Every callback hook gets a dict (Keras 3: {} where there is nothing to log); on_predict_batch_end
gets {"outputs": that batch's predictions}."""

import numpy as np

from deepgrad import layers
from deepgrad.callbacks import Callback, CallbackList
from deepgrad.models import Sequential


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            def hook(*args):
                self.calls.append((name, args[-1]))
            return hook
        return super().__getattribute__(name)


def test_every_hook_gets_a_dict_and_predict_batches_their_outputs():
    m = Sequential([layers.Input((2,)), layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    rec = Recorder()
    x, y = np.ones((5, 2)), np.zeros((5, 1))
    m.fit(x, y, batch_size=2, epochs=1, verbose=0, validation_data=(x, y), callbacks=[rec])
    m.evaluate(x, y, verbose=0, callbacks=[rec])
    out = m.predict(x, batch_size=2, verbose=0, callbacks=[rec])
    names = {n for n, _ in rec.calls}
    assert {"on_train_begin", "on_epoch_begin", "on_train_batch_end", "on_test_begin", "on_predict_end"} <= names
    assert all(isinstance(logs, dict) for _, logs in rec.calls)
    batches = [logs["outputs"] for n, logs in rec.calls if n == "on_predict_batch_end"]
    np.testing.assert_array_equal(np.concatenate(batches), out)  # 3 batches: 2 + 2 + 1 rows


def test_callback_list_passes_one_dict_to_all():
    seen = []

    class Add(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["x"] = 1

    class Read(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(dict(logs))

    CallbackList([Add(), Read()]).on_epoch_end(0)
    assert seen == [{"x": 1}]
