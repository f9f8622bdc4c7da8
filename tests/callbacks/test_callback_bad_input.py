"""One table of bad input to the callbacks' constructors (issue 12 item 5).

Each row: the constructor call, the exception class, a regex the message must match (the argument's name and
what was expected). A refused constructor writes nothing (the folder stays empty) and draws no random number.
"""

import re

import numpy as np
import pytest

from deepgrad import callbacks as C, config

CASES = [
    ("EarlyStopping patience", lambda p: C.EarlyStopping(patience=-1), ValueError, r"`patience`"),
    ("EarlyStopping mode", lambda p: C.EarlyStopping(mode="up"), ValueError, r"`mode`"),
    ("EarlyStopping monitor", lambda p: C.EarlyStopping(monitor=3), TypeError, r"`monitor`"),
    ("EarlyStopping baseline", lambda p: C.EarlyStopping(baseline="low"), TypeError, r"`baseline`"),
    ("EarlyStopping min_delta", lambda p: C.EarlyStopping(min_delta="x"), TypeError, r"`min_delta` must be a float"),
    ("EarlyStopping start_from_epoch", lambda p: C.EarlyStopping(start_from_epoch=-1), ValueError,
     r"`start_from_epoch` must be an int >= 0"),
    ("ReduceLROnPlateau factor", lambda p: C.ReduceLROnPlateau(factor=1.0), ValueError,
     r"`factor` must be a finite float in \[0.0, 1.0\)"),
    ("ReduceLROnPlateau min_lr", lambda p: C.ReduceLROnPlateau(min_lr=-1), ValueError, r"`min_lr`"),
    ("ReduceLROnPlateau mode", lambda p: C.ReduceLROnPlateau(mode="x"), ValueError,
     r"`mode` must be one of \['auto', 'min', 'max'\]"),
    ("LearningRateScheduler schedule", lambda p: C.LearningRateScheduler(3), TypeError,
     r"`schedule` must be callable"),
    ("ModelCheckpoint filepath", lambda p: C.ModelCheckpoint(p / "m.pkl"), ValueError, r"filepath"),
    ("ModelCheckpoint save_freq", lambda p: C.ModelCheckpoint(p / "m.deepgrad", save_freq=0), ValueError,
     r"save_freq"),
    ("ModelCheckpoint monitor", lambda p: C.ModelCheckpoint(p / "m.deepgrad", monitor=3), TypeError,
     r"`monitor` must be a non-empty str"),
    ("ModelCheckpoint mode", lambda p: C.ModelCheckpoint(p / "m.deepgrad", mode="x"), ValueError, r"`mode`"),
    ("CSVLogger filename", lambda p: C.CSVLogger(3), TypeError, r"`filename` must be a str or os.PathLike"),
    ("CSVLogger separator", lambda p: C.CSVLogger(p / "l.csv", separator=""), ValueError, r"separator"),
    ("CSVLogger append", lambda p: C.CSVLogger(p / "l.csv", append="yes"), TypeError, r"append"),
    ("TerminateOnNaN raise_error", lambda p: C.TerminateOnNaN(raise_error=1), TypeError, r"raise_error"),
    ("LambdaCallback hook", lambda p: C.LambdaCallback(on_epoch_end="print"), TypeError, r"on_epoch_end"),
    ("BackupAndRestore backup_dir", lambda p: C.BackupAndRestore(None), ValueError, r"`backup_dir` must be"),
    ("BackupAndRestore save_freq", lambda p: C.BackupAndRestore(p / "bk", save_freq=-2), ValueError, r"save_freq"),
    ("BackupAndRestore save_freq float", lambda p: C.BackupAndRestore(p / "bk", save_freq=0.15), ValueError,
     r"save_freq"),  # Keras 3 raises ValueError here too
]


@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_a_bad_callback_argument_is_refused_with_its_name(tmp_path, call, exc, pattern):
    rng, np_rng = config.rng().bit_generator.state, np.random.get_state()[1].copy()
    with pytest.raises(exc) as info:
        call(tmp_path)
    assert re.search(pattern, str(info.value)), str(info.value)
    assert list(tmp_path.iterdir()) == []
    assert config.rng().bit_generator.state == rng
    np.testing.assert_array_equal(np.random.get_state()[1], np_rng)
