"""Layers with Keras's names, arguments and defaults."""

from .base import Layer, Weight
from .core import Dense, Dropout, Flatten, Input, InputLayer, Reshape
from .activation_layers import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax, Swish
from .recurrent import RNN
from .simple_rnn import SimpleRNN
from .lstm import LSTM
from .gru import GRU
from .wrappers import Bidirectional, TimeDistributed
from .normalization import BatchNormalization, LayerNormalization
from .embedding import Embedding
from .masking import Masking
from .reshaping import RepeatVector
from .preprocessing import Normalization
