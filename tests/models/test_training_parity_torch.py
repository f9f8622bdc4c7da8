"""End-to-end parity: the same MLP trained by deepgrad and by PyTorch from the same weights on the same
batches gives the same weights (float64, rel 1e-10).

Covers Dense + relu/tanh + fused softmax cross-entropy + the optimizer, through ``fit``.
Epsilon is set to 1e-300 for Adagrad/Adam so that the Keras/torch difference in where it sits
(reference, trap 1-2) vanishes in float64 and the rest of the algorithm is compared exactly.
"""

import numpy as np
import pytest
import torch

from deepgrad import config, optimizers
from deepgrad.layers import Dense
from deepgrad.models import Sequential
from deepgrad.utils import set_random_seed

CASES = {
    "sgd": (lambda: optimizers.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "momentum": (lambda: optimizers.SGD(0.05, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "nesterov": (lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                 lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    "adagrad": (lambda: optimizers.Adagrad(0.05, initial_accumulator_value=0.1, epsilon=1e-300),
                lambda p: torch.optim.Adagrad(p, lr=0.05, initial_accumulator_value=0.1, eps=1e-300)),
    "adam": (lambda: optimizers.Adam(0.01, epsilon=1e-300), lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-300)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fit_matches_torch_step_for_step(name):
    config.set_floatx("float64")
    try:
        set_random_seed(0)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(40, 12))
        labels = rng.integers(0, 4, size=40)
        y = np.eye(4)[labels]
        model = Sequential([Dense(16, activation="relu", input_shape=(12,)), Dense(16, activation="tanh"),
                            Dense(4, activation="softmax")])
        make_dg, make_torch = CASES[name]
        model.compile(optimizer=make_dg(), loss="categorical_crossentropy")
        net = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
                                  torch.nn.Linear(16, 4)).double()
        with torch.no_grad():
            for lin, (k, b) in zip([net[0], net[2], net[4]], zip(*[iter(model.get_weights())] * 2)):
                lin.weight.copy_(torch.from_numpy(k.T))  # Keras kernel (in, out) = torch weight (out, in) transposed
                lin.bias.copy_(torch.from_numpy(b))
        opt = make_torch(net.parameters())
        xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
        epochs, batch = 3, 8
        for _ in range(epochs):
            for i in range(0, len(x), batch):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(net(xt[i:i + batch]), yt[i:i + batch])
                loss.backward()
                opt.step()
        model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)
        assert model.optimizer.iterations == epochs * 5
        got = model.get_weights()
        want = [a for lin in (net[0], net[2], net[4])
                for a in (lin.weight.detach().numpy().T, lin.bias.detach().numpy())]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    finally:
        config.set_floatx("float32")
