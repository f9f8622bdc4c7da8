"""`deepgrad train`: the main job of issue 3 shows the summary, the progress bar and the test accuracy."""

from deepgrad import cli


def test_train_prints_summary_progress_and_test_accuracy(capsys):
    status = cli.main(["train", "--epochs", "2", "--train-samples", "256"])
    text = capsys.readouterr().out
    assert status == 0
    assert "Total params: 669,706" in text  # 401,920 + 262,656 + 5,130 (notes 000)
    assert "Epoch 1/2" in text and "Epoch 2/2" in text
    assert "2/2 ━━━━━━━━━━━━━━━━━━━━" in text  # 256 images / batch 128 = 2 steps, full bar
    assert "test accuracy" in text


def test_train_rejects_an_unknown_optimizer_in_one_line(capsys):
    assert cli.main(["train", "--optimizer", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "valid runs: sgd" in err
