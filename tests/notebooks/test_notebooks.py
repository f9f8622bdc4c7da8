"""notebooks/: every notebook runs top to bottom (nbclient, the venv's python3 kernel) and
shows the numbers its deck quotes.

The notebooks are written by scripts/make_notebooks.py; the expected strings below are the
decks' numbers (derivations in the notebooks' text and in tests/explain/test_explain.py).
"""

import json
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

#: notebook -> strings its executed outputs must contain (the decks' quoted numbers)
EXPECTED = {
    "deck000_rnn_backprop_unstable_gradients.ipynb": [
        "SimpleRNN params: 18 | total: 22",            # 3 (2 + 3 + 1) = 18, + 3 + 1
        "LSTM params: 1216 | total: 1233",             # 4 * 16 (2 + 16 + 1) = 1216, + 16 + 1
        "669,706",                                     # 401,920 + 262,656 + 5,130
        "eps_2^(1)   = -0.66",                         # 2 (0.55 - 0) * 1 * (-0.6)
        "w_1^(2)              0.5          0.99             0.401",
        "the notes' equations match the library's LSTM",
        "keras mae: 1.5 | the deck's formula: 2.236",  # mean(|1|, |2|); sqrt(1 + 4)
    ],
    "deck001_feedforward_networks.ipynb": [
        "sigmoid unit, z = 2, y = 0: dL/dz = 0.8808",  # sigma(2) = 1 / (1 + e^-2)
        "sqrt(2/n) = 0.0505 | the deck's 2/sqrt(n) = 0.0714",
        "he_normal sample std: 0.05",
        "1/sqrt(n) = 0.0357",
    ],
    "deck002_ewma_and_optimizers.ipynb": [
        "beta = 0.9: V = [1.   2.1  2.99]",            # 0.1*10; 0.9*1 + 1.2; 0.9*2.1 + 1.1
        "averages about 1/(1 - beta) = 50 values",
        "gradient 1000: first Adam step = 0.010000",   # alpha g / |g|
        "batch_size=    1:  1000 updates",
        "agree: True",                                 # the deck's Adam exercise = deepgrad's Adam
    ],
    "deck003_gradient_descent_sigmoid_neuron.ipynb": [
        "  0.50   0.00   0.0730    0.0731",            # 0.5 ((0.9 - f(2.5))^2 + (0.2 - f(0.5))^2)
        " -0.10   0.00   0.1481    0.1481",
        "  1.78  -2.27   0.0000    0.0000",
        "same path (max difference < 1e-10): True",    # the deck's loop = SGD(1.0) on mse
    ],
    "deck004_gradient_descent_ideas.ipynb": [
        "gradient (b0, b1): -8.0 -14.0",               # -2 (1 + 3), -2 (1*1 + 2*3)
        "after one step: b0 = 0.08, b1 = 0.14",        # 0 - 0.01 * (-8), 0 - 0.01 * (-14)
        "SSE before: 10.0000 | after: 7.5780",         # 0.78^2 + 2.64^2
        "uses 0.8 for 0.08 in the second term: 4.2948",
        "alpha = 0.7: after 50 steps",
    ],
}


@pytest.fixture(scope="module")
def python3_kernel(tmp_path_factory):
    """A ``python3`` kernelspec that runs this interpreter (the venv's), found first via
    JUPYTER_PATH, and PYTHONPATH pointing at this checkout's src/."""
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (deepgrad venv)", "language": "python"}))
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "PYTHONPATH")}
    os.environ["JUPYTER_PATH"] = str(folder)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src")] + ([saved["PYTHONPATH"]] if saved["PYTHONPATH"] else []))
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _outputs(nb):
    texts, images = [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            elif "data" in out:
                texts.append(out["data"].get("text/plain", ""))
                images += "image/png" in out["data"]
    return "".join(texts), images


def test_every_notebook_is_listed():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_and_shows_the_decks_numbers(name, python3_kernel):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit notebooks with outputs stripped (scripts/make_notebooks.py)"
    # one extra cell (in memory only) reports the kernel's interpreter: it must be this venv's
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print('KERNEL', sys.executable)"))
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    client.execute()                      # raises CellExecutionError on any error
    seconds = time.perf_counter() - start
    text, images = _outputs(nb)
    assert f"KERNEL {sys.executable}" in text
    for expected in EXPECTED[name]:
        assert expected in text, f"{name}: {expected!r} not in the outputs"
    assert images >= 1, f"{name}: no inline figure"
    print(f"{name}: {seconds:.1f} s")


def test_committed_notebooks_are_what_the_generator_writes(tmp_path):
    # scripts/make_notebooks.py is the source: the committed files must be its output
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebooks", ROOT / "scripts" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, cells in module.DECKS.items():
        built = module.build(cells)
        committed = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert [(c.cell_type, c.source) for c in committed.cells] == \
            [(c.cell_type, c.source) for c in built.cells], name
