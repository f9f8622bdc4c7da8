"""Callbacks with Keras's names and semantics."""

from .base import Callback, CallbackList, History
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .gradient_norms import GradientNorms
from .early_stopping import EarlyStopping
from .checkpoint import ModelCheckpoint
from .csv_logger import CSVLogger
from .terminate_on_nan import TerminateOnNaN
from .lambda_callback import LambdaCallback
from .backup_and_restore import BackupAndRestore
