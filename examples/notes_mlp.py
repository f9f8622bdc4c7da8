"""The notes' MLP snippets (000, Lecture 11), run with only the import lines changed.

Original imports:               here:
    from keras import models, layers    ->  from deepgrad import models, layers
    from keras.layers import Dropout    ->  from deepgrad.layers import Dropout
    import keras                        ->  import deepgrad as keras

Every ``model.compile(...)`` line below is copied from the slides, including Keras 2's
``lr=`` spelling and the lower-case ``keras.optimizers.adam``. The data are Fashion-MNIST
(the embedded subset by default; ``--full`` for the full set when installed).

    python examples/notes_mlp.py [--epochs 35] [--full] [--only sgd] [--seed 0]
"""

import argparse

import deepgrad as keras
from deepgrad import layers, models
from deepgrad.layers import Dropout
from deepgrad.utils import to_categorical


def build_notes_model():
    # --- verbatim from the slides -------------------------------------------------------
    model = models.Sequential()
    model.add(layers.Dense(512, activation='relu', input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(layers.Dense(512, activation='relu'))
    model.add(Dropout(0.2))
    model.add(layers.Dense(10, activation='softmax'))

    model.summary()
    # -------------------------------------------------------------------------------------
    return model


# Each optimizer argument exactly as one slide writes it.
NOTES_OPTIMIZERS = {
    "sgd": lambda: 'sgd',                                                   # mini-batch GD, alpha = 0.01
    "sgd_0.05": lambda: keras.optimizers.SGD(lr=0.05),                      # alpha = 0.05
    "momentum": lambda: keras.optimizers.SGD(lr=0.05, momentum=0.9),
    "nesterov": lambda: keras.optimizers.SGD(lr=0.05, momentum=0.9, nesterov=True),
    "adagrad": lambda: keras.optimizers.Adagrad(lr=0.05, epsilon=1e-5),
    "rmsprop": lambda: keras.optimizers.RMSprop(lr=0.05, rho=0.9, epsilon=1e-07),
    "adam": lambda: 'adam',
    "adam_0.05": lambda: keras.optimizers.adam(lr=0.05, beta_1=0.85, beta_2=0.95, epsilon=1e-05),
}


def load_notes_data(full=False, limit=None):
    """X_train, y_train, X_test, y_test as the notes use them: flattened, scaled to [0, 1], one-hot."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data(subset=not full)
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    X_train = x_train.reshape(len(x_train), 784).astype('float32') / 255
    X_test = x_test.reshape(len(x_test), 784).astype('float32') / 255
    return X_train, to_categorical(y_train, 10), X_test, to_categorical(y_test, 10)


def run(name, X_train, y_train, X_test, y_test, nepochs=35, verbose=1):
    model = build_notes_model()
    # --- verbatim from the slides (optimizer argument from NOTES_OPTIMIZERS) ---------------
    model.compile(loss='categorical_crossentropy', metrics=['accuracy'],
                  optimizer=NOTES_OPTIMIZERS[name]())

    history = model.fit(X_train, y_train,
                        batch_size=128, epochs=nepochs,
                        verbose=verbose,
                        validation_data=(X_test, y_test))
    # -------------------------------------------------------------------------------------
    return model, history


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run the notes' MLP snippets with each optimizer call.")
    ap.add_argument("--epochs", type=int, default=35, help="epochs per run (the notes use 35)")
    ap.add_argument("--full", action="store_true", help="full Fashion-MNIST instead of the embedded subset")
    ap.add_argument("--only", choices=sorted(NOTES_OPTIMIZERS), help="run one optimizer call")
    ap.add_argument("--seed", type=int, default=0, help="seed of deepgrad's generator (default 0)")
    args = ap.parse_args(argv)
    data = load_notes_data(full=args.full)
    for name in [args.only] if args.only else NOTES_OPTIMIZERS:
        print(f"\n=== {name} ===")
        keras.utils.set_random_seed(args.seed)
        model, history = run(name, *data, nepochs=args.epochs)
        print(f"{name}: final val_accuracy {history.history['val_accuracy'][-1]:.4f}")


if __name__ == "__main__":
    main()
