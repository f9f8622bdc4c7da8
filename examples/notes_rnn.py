"""The notes' recurrent snippets (000, Lecture 11) with only the imports changed; prints the summaries.

Original:  from keras import models, layers; from keras.layers import LSTM
Here:      from deepgrad import models, layers; from deepgrad.layers import LSTM

The slides' summaries: SimpleRNN(3) 18 + Dense(1) 4 = 22 parameters; LSTM(16) 1,216 + Dense(1) 17 = 1,233.
"""

from deepgrad import layers, models
from deepgrad.layers import LSTM


def simple_rnn_model():
    # --- verbatim from the slides -----------------------------------------------------------
    n_features = 2
    n_timesteps = 200

    model = models.Sequential()
    model.add(layers.SimpleRNN(3, activation='relu', input_shape=(n_timesteps,n_features)))
    model.add(layers.Dense(1, activation='linear'))

    model.summary()
    # -------------------------------------------------------------------------------------------
    return model


def lstm_model():
    # --- verbatim from the slides -----------------------------------------------------------
    n_features = 2
    n_timesteps = 200

    model = models.Sequential()
    model.add(LSTM(16, activation='relu', input_shape=(n_timesteps,n_features)))
    model.add(layers.Dense(1, activation='linear'))

    model.summary()
    # -------------------------------------------------------------------------------------------
    return model


if __name__ == "__main__":
    simple_rnn_model()
    lstm_model()
