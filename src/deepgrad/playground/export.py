"""Export a trained playground network: a runnable deepgrad script plus its weights file.

The script rebuilds the same data (``deepgrad.playground.datasets``, same seed) and the same
model, loads the weights (safetensors, written by ``model.save_weights``) and prints the test
loss, which equals the one the page showed (``model.evaluate`` with the batch size ``fit``
used for its validation loss).
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile

from .network import model_code

__all__ = ["script", "export_zip", "SCRIPT_NAME", "WEIGHTS_NAME"]

SCRIPT_NAME = "playground_model.py"
WEIGHTS_NAME = "playground_model.safetensors"


def script(run) -> str:
    """The Python source of the exported script for ``run`` (a NetworkRun)."""
    s, spec = run.settings, run.specs[0]
    if run.task == "multiclass":
        shape = ""
    else:
        shape = "\ny_train, y_test = (v.astype(np.float32).reshape(-1, 1) for v in (y_train, y_test))"
    sched = "" if s["schedule"] == "constant" else (
        f"\n# trained with a {s['schedule']} learning-rate schedule (decay {s['decay']}, "
        f"{s['decay_epochs']} epochs); see the playground's docs")
    lines = [
        f'"""A network trained for {run.epoch} epochs in deepgrad\'s playground, rebuilt and checked.',
        "",
        f"    python {SCRIPT_NAME}      (with {WEIGHTS_NAME} beside it)",
        "",
        "Prints the test loss the playground showed.",
        '"""',
        "",
        "from pathlib import Path",
        "",
        "import numpy as np",
        "",
        "import deepgrad",
        "from deepgrad import layers, optimizers, regularizers",
        "from deepgrad.playground import datasets",
        "",
        f"x, y = datasets.make({s['dataset']!r}, n={s['points']}, noise={s['noise']}, "
        f"seed={s['data_seed']}, classes={s['classes']})",
        f"x_train, y_train, x_test, y_test = datasets.split(x, y, train_percent={s['train']})",
        f"features = {s['features']!r}",
        "x_train, x_test = datasets.features(x_train, features), datasets.features(x_test, features)"
        + shape,
        "",
        *model_code(s, spec),
        sched.strip() if sched else "",
        f"model.load_weights(Path(__file__).with_name({WEIGHTS_NAME!r}))",
        "",
        f"result = model.evaluate(x_test, y_test, batch_size={s['batch']}, verbose=0)",
        "loss = result[0] if isinstance(result, list) else result",
        'print(f"test loss {loss:.10f}")',
        "",
        "# To train it yourself from the playground's start instead of loading the weights:",
        f"#   deepgrad.utils.set_random_seed({s['seed']})   # before building the model above",
        f"#   model.fit(x_train, y_train, batch_size={s['batch']}, epochs={run.epoch}, "
        "validation_data=(x_test, y_test))",
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def export_zip(run) -> bytes:
    """A zip archive holding the script and the weights of ``run``'s main model."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, WEIGHTS_NAME)
        run.models[0].save_weights(path)
        with open(path, "rb") as f:
            weights = f.read()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(SCRIPT_NAME, script(run))
        z.writestr(WEIGHTS_NAME, weights)
    return buf.getvalue()
