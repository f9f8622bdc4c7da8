"""The training job of the exact-resume tests, imported by them and run as a child process.

Dense + Dropout so the masks matter; one seeded Dropout layer has its own generator, the other
draws from the global one (default float32).

As a script (the SIGKILL test): ``python resume_job.py BACKUP_DIR MARKER OUT pause|run`` trains
with ``BackupAndRestore(BACKUP_DIR, save_freq=1)``; with ``pause`` it writes MARKER after batch 2
of epoch 1 has been backed up and waits to be killed; at the end it saves the weights to OUT.
"""

import sys
import time

import numpy as np

from deepgrad.callbacks import BackupAndRestore, LambdaCallback
from deepgrad.layers import Dense, Dropout
from deepgrad.models import Sequential
from deepgrad.optimizers import Adam
from deepgrad.utils import set_random_seed

FIT = dict(epochs=4, batch_size=8, verbose=0, validation_split=0.2)  # 48 train rows: 6 batches/epoch


def job_data():
    g = np.random.default_rng(0)
    x = g.normal(size=(60, 5))
    return x, (x[:, :1] - x[:, 1:2] > 0).astype(np.float64)


def job_model():
    set_random_seed(1)
    model = Sequential([Dense(8, activation="relu", input_shape=(5,)),
                        Dropout(0.3),
                        Dense(8, activation="relu"),
                        Dropout(0.2, seed=3),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(argv):
    backup, marker, out, pause = argv[0], argv[1], argv[2], argv[3] == "pause"
    state = {"epoch": None}

    def on_batch_end(batch, logs):
        if pause and (state["epoch"], batch) == (1, 2):
            with open(marker, "w") as f:
                f.write("backed up")
            time.sleep(60)

    x, y = job_data()
    model = job_model()
    cbs = [BackupAndRestore(backup, save_freq=1),
           LambdaCallback(on_epoch_begin=lambda e, logs: state.update(epoch=e), on_train_batch_end=on_batch_end)]
    model.fit(x, y, **FIT, callbacks=cbs)
    model.save_weights(out)


if __name__ == "__main__":
    main(sys.argv[1:])
