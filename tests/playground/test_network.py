"""The network tab's runs: their losses are those of one ``Sequential.fit`` with the same seed."""

import http.client
import json
import time

import numpy as np

from deepgrad import config, layers, optimizers
from deepgrad.models import Sequential
from deepgrad.playground import datasets, network, params
from deepgrad.utils import set_random_seed


def _data(s):
    x, y = datasets.make(s["dataset"], s["points"], s["noise"], s["data_seed"], s["classes"])
    xtr, ytr, xte, yte = datasets.split(x, y, s["train"])
    return datasets.features(xtr, s["features"]), ytr, datasets.features(xte, s["features"]), yte


def _events(client, query, until):
    """Open a stream, press play, read events until one named ``until``; returns [(event, data)]."""
    c = http.client.HTTPConnection(client.host, client.port, timeout=60)
    c.request("GET", "/api/network/stream?" + query)
    r = c.getresponse()
    assert r.status == 200
    sid = dict(p.split("=") for p in query.split("&"))["session"]
    client.request("POST", f"/api/network/control?session={sid}&action=play")
    buf, out = b"", []
    while not any(e == until for e, _ in out):
        buf += r.read1(65536)
        while b"\n\n" in buf:
            chunk, buf = buf.split(b"\n\n", 1)
            lines = dict(line.split(": ", 1) for line in chunk.decode().split("\n") if ": " in line)
            if "event" in lines:
                out.append((lines["event"], json.loads(lines["data"])))
    r.close()
    c.close()
    return out


def test_streamed_losses_equal_one_fit_with_the_same_seed(client):
    before = config.rng().bit_generator.state
    query = ("session=fit1&dataset=spiral&classes=3&layers=6,4&activation=relu&batch=16"
             "&optimizer=momentum&lr=0.05&momentum=0.8&seed=7&data_seed=3&noise=10"
             "&regularization=l2&reg_rate=0.001&features=x1,x2,sin_x1&epochs=6")
    events = _events(client, query, "paused")
    assert config.rng().bit_generator.state == before  # the process's generator untouched
    rows = [d["rows"][0] for e, d in events if e == "epoch"]
    assert [d["epoch"] for e, d in events if e == "epoch"] == [1, 2, 3, 4, 5, 6]

    s = params.network_settings(dict(p.split("=") for p in query.split("&") if not p.startswith("session")))
    x, y, xt, yt = _data(s)
    set_random_seed(7)
    reg = dict(kernel_regularizer=__import__("deepgrad").regularizers.L2(0.001))
    model = Sequential([layers.Input((3,)), layers.Dense(6, activation="relu", **reg),
                        layers.Dense(4, activation="relu", **reg), layers.Dense(3, activation="softmax", **reg)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.05, momentum=0.8),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, batch_size=16, epochs=6, verbose=0, validation_data=(xt, yt)).history
    assert [r["loss"] for r in rows] == h["loss"]
    assert [r["val_loss"] for r in rows] == h["val_loss"]
    assert [r["val_accuracy"] for r in rows] == h["val_accuracy"]


def test_race_starts_from_the_same_weights_and_each_side_equals_its_own_fit():
    s = params.network_settings({"dataset": "xor", "layers": "5", "optimizer": "sgd", "lr": "0.1",
                                 "race": "adam", "race_lr": "0.02", "seed": "4", "batch": "25"})
    run = network.NetworkRun(s)
    for a, b in zip(run.models[0].get_weights(), run.models[1].get_weights()):
        assert np.array_equal(a, b)
    for _ in range(4):
        run.train_epoch()
    x, y, xt, yt = _data(s)
    y, yt = y.astype(np.float32).reshape(-1, 1), yt.astype(np.float32).reshape(-1, 1)
    for i, opt in enumerate([optimizers.SGD(learning_rate=0.1),
                             optimizers.Adam(learning_rate=0.02, epsilon=1e-8)]):
        set_random_seed(4)
        model = network.build_model(s)
        model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"])
        h = model.fit(x, y, batch_size=25, epochs=4, verbose=0, validation_data=(xt, yt)).history
        assert [r["val_loss"] for r in run.history[i]] == h["val_loss"]
        assert {r["optimizer"] for r in run.history[i]} == {["sgd", "adam"][i]}


def test_optimizer_change_mid_run_keeps_the_weights_and_takes_effect():
    s = params.network_settings({"dataset": "circle", "layers": "4", "optimizer": "sgd", "lr": "0.01", "seed": "2"})
    run = network.NetworkRun(s)
    for _ in range(3):
        run.train_epoch()
    run.change(params.network_settings({"dataset": "circle", "layers": "4", "optimizer": "adam", "lr": "0.05"}))
    for _ in range(3):
        run.train_epoch()
    assert [r["optimizer"] for r in run.history[0]] == ["sgd"] * 3 + ["adam"] * 3
    # the same as fit 3 epochs with SGD, then compile(Adam) (Keras: weights kept) and fit 3 more
    x, y, xt, yt = _data(s)
    y, yt = y.astype(np.float32).reshape(-1, 1), yt.astype(np.float32).reshape(-1, 1)
    set_random_seed(2)
    model = network.build_model(s)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    h1 = model.fit(x, y, batch_size=10, epochs=3, verbose=0, validation_data=(xt, yt)).history
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05, epsilon=1e-8), loss="binary_crossentropy",
                  metrics=["accuracy"])
    h2 = model.fit(x, y, batch_size=10, epochs=3, verbose=0, validation_data=(xt, yt)).history
    assert [r["val_loss"] for r in run.history[0]] == h1["val_loss"] + h2["val_loss"]


def test_a_learning_rate_change_keeps_the_optimizer_state():
    s = params.network_settings({"dataset": "circle", "layers": "3", "optimizer": "adam", "lr": "0.01"})
    run = network.NetworkRun(s)
    run.train_epoch()
    opt = run.models[0].optimizer
    run.change(params.network_settings({"dataset": "circle", "layers": "3", "optimizer": "adam", "lr": "0.002"}))
    assert run.models[0].optimizer is opt and opt.learning_rate == 0.002
    assert opt.iterations == run.steps_per_epoch  # 250 training points / batch 10 = 25 steps


def test_schedule_decays_per_step():
    # ExponentialDecay(0.1, decay_steps = 2 epochs * 25 steps, 0.5): after 2 epochs the rate is 0.05
    s = params.network_settings({"dataset": "gauss", "layers": "2", "optimizer": "sgd", "lr": "0.1",
                                 "schedule": "exponential", "decay": "0.5", "decay_epochs": "2"})
    run = network.NetworkRun(s)
    run.train_epoch()
    run.train_epoch()
    assert abs(run.history[0][-1]["lr"] - 0.05) < 1e-12


def test_a_race_frame_holds_each_models_heatmap_and_a_single_run_one():
    s = params.network_settings({"dataset": "xor", "layers": "4", "optimizer": "sgd", "lr": "0.1",
                                 "race": "adam", "race_lr": "0.05", "seed": "1"})
    run = network.NetworkRun(s)
    for _ in range(3):
        run.train_epoch()
    f = run.frame()
    for key, model in (("heat", run.models[0]), ("race_heat", run.models[1])):
        p = model.predict(run.grid, batch_size=len(run.grid), verbose=0)[:, 0]  # its own model's
        np.testing.assert_allclose(f[key]["p"], np.round(p.astype(np.float64), 4), rtol=0, atol=1e-12)
    assert f["heat"] != f["race_heat"]  # SGD and Adam have moved the same weights differently
    alone = dict(s, race=None)
    assert "race_heat" not in network.NetworkRun(alone).frame()


def test_frame_shapes():
    s = params.network_settings({"dataset": "spiral", "classes": "4", "layers": "3,2"})
    f = network.NetworkRun(s).frame()
    assert len(f["heat"]["cls"]) == network.GRID ** 2 and max(f["heat"]["cls"]) < 4
    assert [len(u) for u in f["units"]] == [3, 2]
    assert len(f["units"][0][0]) == network.THUMB ** 2
    assert [np.shape(w["w"]) for w in f["weights"]] == [(2, 3), (3, 2), (2, 4)]
    assert len(f["inputs"]) == len(datasets.FEATURES)


def test_datasets_are_seeded_and_in_the_domain():
    for name in datasets.DATASETS:
        a = datasets.make(name, 200, noise=20, seed=5)
        b = datasets.make(name, 200, noise=20, seed=5)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    x, y = datasets.make("spiral", 300, classes=3, seed=1)
    assert np.bincount(y).tolist() == [100, 100, 100]
    x, y = datasets.make("circle", 400, noise=0, seed=1)
    r = np.hypot(x[:, 0], x[:, 1])
    assert np.all(r[y == 1] <= 2.5) and np.all(r[y == 0] >= 3.5)


def test_run_ends_when_its_page_goes(client):
    """A page closed mid-run: the run's thread ends and the session is gone (no leak)."""
    import threading
    from deepgrad.playground import sessions
    base = threading.active_count()
    c = http.client.HTTPConnection(client.host, client.port, timeout=30)
    c.request("GET", "/api/network/stream?session=gone1&dataset=circle&layers=8,8,8")
    r = c.getresponse()
    assert r.read1(100).startswith(b"event: start")
    client.request("POST", "/api/network/control?session=gone1&action=play")
    assert "gone1" in sessions.live_sessions()
    r.close()
    c.close()  # the page goes, mid-run
    deadline = time.monotonic() + 10
    while ("gone1" in sessions.live_sessions() or threading.active_count() > base) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "gone1" not in sessions.live_sessions()
    assert threading.active_count() <= base
    assert client.request("GET", "/api/problems")[0] == 200  # still serving
