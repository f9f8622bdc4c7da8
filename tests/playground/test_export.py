"""The exported script, run on its own, prints the test loss the playground showed."""

import http.client
import io
import re
import time
import zipfile

from deepgrad.playground import export, network, params, sessions


def test_exported_script_reproduces_the_test_loss(tmp_path, run_exported):
    s = params.network_settings({"dataset": "spiral", "classes": "3", "layers": "6,5", "optimizer": "adam",
                                 "lr": "0.02", "regularization": "l1", "reg_rate": "0.0005",
                                 "features": "x1,x2,x1x2", "batch": "12", "seed": "5", "noise": "15"})
    run = network.NetworkRun(s)
    for _ in range(5):
        run.train_epoch()
    shown = run.history[0][-1]["val_loss"]
    assert abs(run_exported(export.export_zip(run), tmp_path) - shown) < 1e-6


def test_exported_regression_script(tmp_path, run_exported):
    s = params.network_settings({"dataset": "multigauss", "layers": "5", "optimizer": "rmsprop",
                                 "lr": "0.01", "schedule": "cosine", "decay_epochs": "10"})
    run = network.NetworkRun(s)
    for _ in range(3):
        run.train_epoch()
    text = export.script(run)
    assert "cosine learning-rate schedule" in text and "mean_squared_error" in text
    assert abs(run_exported(export.export_zip(run), tmp_path) - run.history[0][-1]["val_loss"]) < 1e-6


def test_an_export_while_the_run_plays_is_the_last_finished_epoch(client, tmp_path, run_exported):
    # the weights are taken between two epochs; the script names that epoch and prints its test loss
    c = http.client.HTTPConnection(client.host, client.port, timeout=30)
    c.request("GET", "/api/network/stream?session=exporting&dataset=circle&layers=3&seed=2")
    stream = c.getresponse()
    try:
        client.request("POST", "/api/network/control?session=exporting&action=play")
        run = sessions.find("exporting").run
        deadline = time.monotonic() + 60
        while run.epoch < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        status, _, body = client.request("GET", "/api/network/export?session=exporting")
        history = [row["val_loss"] for row in run.history[0]]
    finally:
        client.request("POST", "/api/network/control?session=exporting&action=stop")
        stream.close()
        c.close()
    assert status == 200
    epochs = int(re.search(r"trained for (\d+) epochs", zipfile.ZipFile(io.BytesIO(body)).read(
        export.SCRIPT_NAME).decode()).group(1))
    assert epochs >= 2
    assert abs(run_exported(body, tmp_path) - history[epochs - 1]) < 1e-6
