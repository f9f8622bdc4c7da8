"""One table of bad input to ``lab.run`` (issue 12 item 5): each row the call, the exception class and a regex
the message must match (the argument's name and what was expected). A refused run leaves the optimizer object it
was handed unstepped and draws no random number. The ``seed``, ``shuffle``, ``mean``, ``label`` and
``start='ab'`` rows were accepted (or refused by NumPy without naming ``start``) before this table.
"""

import re

import numpy as np
import pytest

from deepgrad import config, optimizers as O
from deepgrad.lab import runs

CASES = [
    ("problem unknown", lambda o: runs.run("nope", o, 3), ValueError, r"unknown problem 'nope'; valid problems"),
    ("optimizer unknown", lambda o: runs.run("bowl", "nope", 3), ValueError, r"unknown optimizer 'nope'"),
    ("optimizer int", lambda o: runs.run("bowl", 3, 3), TypeError, r"`optimizer` must be a preset name or an opt"),
    ("steps negative", lambda o: runs.run("bowl", o, -1), ValueError, r"`steps` must be an int >= 0, got -1"),
    ("steps float", lambda o: runs.run("bowl", o, 2.5), TypeError, r"`steps` must be an int, got float 2.5"),
    ("steps huge", lambda o: runs.run("bowl", o, 10 ** 12), ValueError, r"`steps` must be <= \d+ \(MAX_STEPS\)"),
    ("tol zero", lambda o: runs.run("bowl", o, 3, tol=0), ValueError, r"`tol` must be a finite float in \(0.0"),
    ("tol NaN", lambda o: runs.run("bowl", o, 3, tol=float("nan")), ValueError, r"`tol` must be a finite float"),
    ("start three numbers", lambda o: runs.run("bowl", o, 3, start=(1, 2, 3)), ValueError,
     r"`start` must be 2 numbers, got \(1, 2, 3\)"),
    ("start string", lambda o: runs.run("bowl", o, 3, start="ab"), ValueError, r"`start` must be 2 numbers, got 'ab'"),
    ("start object", lambda o: runs.run("bowl", o, 3, start=(object(), 1)), ValueError, r"`start` must be 2 numbers"),
    ("batch_size 0", lambda o: runs.run("linreg", o, 3, batch_size=0), ValueError, r"`batch_size` must be an int >= 1"),
    ("batch_size on a surface", lambda o: runs.run("bowl", o, 3, batch_size=2), ValueError,
     r"`batch_size` needs a data problem"),
    ("learning_rate negative", lambda o: runs.run("bowl", "sgd", 3, learning_rate=-1), ValueError,
     r"`learning_rate` must be a finite float in \[0.0, inf\), got -1"),
    ("learning_rate NaN", lambda o: runs.run("bowl", "sgd", 3, learning_rate=float("nan")), ValueError,
     r"`learning_rate`.*nan"),
    ("seed negative", lambda o: runs.run("linreg", o, 3, shuffle=True, batch_size=2, seed=-1), ValueError,
     r"`seed` must be an int >= 0, got -1"),
    ("shuffle str", lambda o: runs.run("linreg", o, 3, shuffle="yes"), TypeError, r"`shuffle` must be a bool"),
    ("mean int", lambda o: runs.run("linreg", o, 3, mean=1), TypeError, r"`mean` must be a bool"),
    ("label int", lambda o: runs.run("bowl", o, 3, label=5), TypeError, r"`label` must be a str or None"),
]


@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_a_bad_argument_to_run_is_refused_with_its_name(call, exc, pattern):
    opt = O.SGD(learning_rate=0.1, momentum=0.9)
    rng, np_rng = config.rng().bit_generator.state, np.random.get_state()[1].copy()
    with pytest.raises(exc) as info:
        call(opt)
    assert re.search(pattern, str(info.value)), str(info.value)
    assert int(opt.iterations) == 0  # the optimizer handed in did not step
    assert config.rng().bit_generator.state == rng
    np.testing.assert_array_equal(np.random.get_state()[1], np_rng)
