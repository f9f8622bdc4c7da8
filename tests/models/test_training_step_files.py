"""The README's "One training step" section names, for each of its three stops, a file and the
function in it (``models/sequential.py::Sequential._train_step``); each must be where it says,
so the reading path a learner follows cannot drift from the code."""

import importlib
import inspect
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _section():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    start = text.index("## One training step")
    return text[start:text.index("\n## ", start + 1)]


REFERENCES = re.findall(r"`((?:\w+/)+\w+\.py)::([\w.]+)`", _section())


def test_the_section_names_the_model_the_layer_and_the_optimizer():
    # in reading order: model, layer (and the loss the model calls), optimizer (skeleton, then the algorithm)
    assert [path for path, _ in REFERENCES] == ["models/sequential.py", "layers/core.py", "losses/core.py",
                                                "optimizers/base.py", "optimizers/transforms/algorithms.py"]


@pytest.mark.parametrize("path, qualname", REFERENCES)
def test_each_named_function_is_in_the_named_file(path, qualname):
    module = importlib.import_module("deepgrad." + path[:-3].replace("/", "."))
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    source = os.path.realpath(inspect.getsourcefile(obj))
    assert source.endswith(os.path.join("src", "deepgrad", *path.split("/")))
