"""The exported script, run on its own, prints the test loss the playground showed."""

from deepgrad.playground import export, network, params


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
