"""Write notebooks/ (one Jupyter notebook per deck of the notes) from the cells below.

    python scripts/make_notebooks.py            # rewrites notebooks/*.ipynb, outputs empty

The notebooks are committed without outputs; ``tests/notebooks/test_notebooks.py`` executes each
one top to bottom (``make test``) and checks numbers the decks quote in the outputs. Edit the
cells here, not the .ipynb files, then rerun this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks"

SETUP = """\
%matplotlib inline
import numpy as np
np.set_printoptions(precision=4, suppress=True)   # this notebook's own print options
"""

# ------------------------------------------------------------------------------------------
DECK0 = [
    ("md", """\
# Deck 000 — recurrent networks, unstable gradients, backpropagation and the optimizers

*ISMT S-136, Lecture 11.* This notebook runs the deck's Keras snippets with deepgrad (only the
imports change), reproduces the parameter counts the deck prints, walks through the deck's 2-2-1
backpropagation example number by number, and draws the vanishing/exploding-gradient story.

**What to look at:** the parameter counts (22, 1,216 + 17, 669,706); the table of the backprop
example (each partial derivative is `eps × f'(z) × input`); the gradient-norm panels (the first
layer of a deep sigmoid network gets a gradient thousands of times smaller than the last)."""),
    ("code", SETUP + "from deepgrad import models, layers\nfrom deepgrad.layers import LSTM, Dropout"),
    ("md", """\
## A layer of recurrent neurons in Keras
The deck's `SimpleRNN(3)` on 2 features has `3·(2 + 3 + 1) = 18` parameters; the `Dense(1)` on
top has `3 + 1 = 4`: 22 in all."""),
    ("code", """\
n_features = 2
n_timesteps = 200

model = models.Sequential()
model.add(layers.SimpleRNN(3, activation='relu', input_shape=(n_timesteps,n_features)))
model.add(layers.Dense(1, activation='linear'))

model.summary()
print("SimpleRNN params:", model.layers[0].count_params(), "| total:", model.count_params())"""),
    ("md", """\
## The LSTM cell
Four layers (gates `i`, `f`, `o` and the candidate `g`), each with `W_x` (2×16), `W_h` (16×16)
and a bias: `4·16·(2 + 16 + 1) = 1,216`; the Dense head has 17."""),
    ("code", """\
model = models.Sequential()
model.add(LSTM(16, activation='relu', input_shape=(n_timesteps,n_features)))
model.add(layers.Dense(1, activation='linear'))

model.summary()
print("LSTM params:", model.layers[0].count_params(), "| total:", model.count_params())"""),
    ("md", """\
One step of the cell, gate by gate, by the deck's six equations, next to the library's `LSTM`
on the same weights (Keras stores the blocks in the order `[i, f, c(=g), o]`). Look at `f_t`:
with TensorFlow's (and deepgrad's) forget-gate bias of 1 it starts near `σ(1) ≈ 0.73`, so the
cell remembers by default."""),
    ("code", """\
from deepgrad.explain import lstm_step
step = lstm_step([0.5, -1.0], h_prev=[0.1, 0.2], c_prev=[0.3, -0.2])
print(step)"""),
    ("md", """\
## The deck's backpropagation example (2-2-1 network)
`z_h^(1) = w_0h + w_1h x_1 + w_2h x_2`, `u_h = f(z_h^(1))`, `z^(2) = w_0 + w_1 u_1 + w_2 u_2`,
`ŷ = f(z^(2))`, `L = (ŷ − y)²`. The errors are `ε^(2) = 2(ŷ − y)` and
`ε_h^(1) = ε^(2) f'(z^(2)) w_h^(2)`; then `∂L/∂w_h^(2) = ε^(2) f'(z^(2)) u_h` and
`∂L/∂w_jh^(1) = ε_h^(1) f'(z_h^(1)) x_j` (with `x_0 = u_0 = 1`). The numbers below are read from
two `Dense` layers' `backward`, not from these formulas (the tests check they agree).

With ReLU and the default weights, hidden unit 2 has `z_2^(1) = −0.3 < 0`: `f' = 0`, so its
three weights get **no gradient** — a dead unit in miniature."""),
    ("code", """\
from deepgrad.explain import backprop
example = backprop(x1=1, x2=2, y=0, activation="relu", lr=0.1)
print(example)"""),
    ("md", "The same network with sigmoid units: every gradient is now non-zero, and small (σ' ≤ 1/4)."),
    ("code", "print(backprop(activation='sigmoid').table())"),
    ("md", """\
## Unstable gradients and their remedies
A stack of 8 hidden Dense layers (64 units) trained on the embedded Fashion-MNIST subset; the
`GradientNorms` callback records each layer's gradient norm at every step. Look at the first
panel (sigmoid: layer 1's gradient is ~10⁻⁵ of the output layer's), then at the remedies the
deck lists: ReLU with He initialisation, batch normalisation, and gradient clipping
(`clipnorm=1`), which keeps the exploding case finite."""),
    ("code", """\
from deepgrad.plotting import CASES, deep_mlp_gradient_norms, plot_deep_gradient_norms
norms = {label: deep_mlp_gradient_norms(**cfg) for label, cfg in CASES.items()}
ratio = norms["sigmoid, default init"]["dense_1"][0] / norms["ReLU, He init"]["dense_1"][0]
print(f"first-layer gradient norm, sigmoid / (ReLU + He): {ratio:.1e}")
plot_deep_gradient_norms(norms)"""),
    ("md", """\
## The deck's loss functions
The deck's "Mean Absolute Error" formula is a slip: `(Σ_j (ŷ_j − y_j)²)^½` is the Euclidean
distance. Keras's (and deepgrad's) `mae` is `mean_j |ŷ_j − y_j|`:"""),
    ("code", """\
from deepgrad import losses
y_true, y_pred = np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]])
print("keras mae:", float(losses.MeanAbsoluteError()(y_true, y_pred)),
      "| the deck's formula:", float(np.sqrt(((y_pred - y_true) ** 2).sum())))"""),
    ("md", """\
## The deck's MLP and its optimizers
The deck's network has `784·512 + 512 = 401,920`, `512·512 + 512 = 262,656` and
`512·10 + 10 = 5,130` parameters: 669,706. Below it trains for 2 epochs on the embedded
Fashion-MNIST subset (5,000 images) with the deck's momentum call, `lr` spelled as in Keras 2."""),
    ("code", """\
from deepgrad import optimizers
from deepgrad.datasets import fashion_mnist
from deepgrad.utils import to_categorical

(x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(subset=True)
X_train = x_train.reshape(-1, 784).astype("float32") / 255
X_test = x_test.reshape(-1, 784).astype("float32") / 255
y_train, y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)

model = models.Sequential()
model.add(layers.Dense(512, activation='relu', input_shape=(784,)))
model.add(Dropout(0.2))
model.add(layers.Dense(512, activation='relu'))
model.add(Dropout(0.2))
model.add(layers.Dense(10, activation='softmax'))

model.summary()"""),
    ("code", """\
nepochs = 2   # the deck: 35 on the full data set
model.compile(loss='categorical_crossentropy', metrics=['accuracy'],
              optimizer=optimizers.SGD(lr=0.05, momentum=0.9))

history = model.fit(X_train, y_train,
                    batch_size=128, epochs=nepochs,
                    verbose=0,
                    validation_data=(X_test, y_test))
print({k: round(v[-1], 3) for k, v in history.history.items()})"""),
]

# ------------------------------------------------------------------------------------------
DECK1 = [
    ("md", """\
# Deck 001 — deep feedforward networks

*Lecture 06, HKUST.* Units, initialisation, activations, output units and their errors,
backpropagation, dropout and learning-rate schedules, each run with deepgrad.

**What to look at:** the activations' derivatives (sigmoid's never exceeds 1/4, ReLU's is 0 or 1);
the measured standard deviation of He initialisation (`sqrt(2/n)`, not the deck's `2/sqrt(n)`);
the output units' "error" `σ(z) − y` (0.88 in the deck's example); the schedules' shapes."""),
    ("code", SETUP + "from deepgrad import initializers, losses\n"
             "from deepgrad.plotting import plot_activations, plot_schedules"),
    ("md", """\
## Activations and their derivatives
Every curve is `deepgrad.activations`' own `forward`, and its own `backward` for `f'`. Swish is
`z σ(βz)` (β = 1 and 2), mish `z tanh(ζ(z))`, GELU `z Φ(z)`, softplus `ζ(z) = log(1 + e^z)`."""),
    ("code", "plot_activations()"),
    ("md", """\
## Weight initialisation
The deck's "Xavier" `U[−1/√n, 1/√n]` is deepgrad's `FanInUniform` (Glorot's own formula is
`glorot_uniform`). He: the deck writes `N(0, 2/√n)`, but He et al. (and Keras's `he_normal`)
use **variance** `2/n`, i.e. standard deviation `√(2/n)`; for `n = 784` that is 0.0505, not 0.0714."""),
    ("code", """\
n = 784
w = initializers.HeNormal(seed=0)((n, 512))
print(f"he_normal sample std: {w.std():.4f} | sqrt(2/n) = {np.sqrt(2 / n):.4f} | "
      f"the deck's 2/sqrt(n) = {2 / np.sqrt(n):.4f}")
x = initializers.FanInUniform(seed=0)((n, 512))
print(f"the deck's Xavier: range [{x.min():.4f}, {x.max():.4f}], 1/sqrt(n) = {1 / np.sqrt(n):.4f}")"""),
    ("md", """\
## Output units: the "error" is `∂L/∂z`
Sigmoid unit with cross-entropy: `∂L/∂z = σ(z) − y`. The deck's backprop example has `z = 2`,
`y = 0`: `δ = σ(2) − 0 ≈ 0.88`. Softmax with cross-entropy: `∂L/∂z_k = P(y = k) − 1(y = k)`.
Both below are the library's loss gradients."""),
    ("code", """\
d = losses.BinaryCrossentropy(from_logits=True).grad(np.array([[0.0]]), np.array([[2.0]]))
print(f"sigmoid unit, z = 2, y = 0: dL/dz = {float(d[0, 0]):.4f}")
z = np.array([[1.0, 2.0, 0.5]])
p = np.exp(z) / np.exp(z).sum()
g = losses.CategoricalCrossentropy(from_logits=True).grad(np.array([[0.0, 1.0, 0.0]]), z)
print("softmax unit: dL/dz =", g[0], "| p - onehot =", (p - [0, 1, 0])[0])"""),
    ("md", """\
## Backpropagation
`δ_k = ∂L/∂z_k` at the output, `δ_j = g'(z_j) Σ_k W_kj δ_k` below, and `∂L/∂W_ji = u_i δ_j`. The
deck-000 2-2-1 example shows every one of these numbers (here with sigmoid units; `eps_h^(1)` of
deck 000 is `Σ_k W_kj δ_k`, so `δ_j = f'(z_j) eps_j`):"""),
    ("code", """\
from deepgrad.explain import backprop
e = backprop(activation="sigmoid")
delta_1 = e.derivatives["f'(z_1^(1))"] * e.errors["eps_1^(1)"]
print(e)
print(f"\\ndelta_1 = f'(z_1) eps_1 = {delta_1:.6g} = dL/dw_01 (x_0 = 1): {e.gradient['w_01^(1)']:.6g}")"""),
    ("md", """\
## Dropout
`Dropout(0.2)` zeroes each unit with probability 0.2 while training and scales the others by
`1/0.8`, so the expected output is unchanged; at inference it does nothing."""),
    ("code", """\
from deepgrad.layers import Dropout
from deepgrad.utils import set_random_seed
set_random_seed(0)
drop = Dropout(0.2)
x = np.ones((1000, 100), dtype="float32")
y = drop(x, training=True)
print(f"zeroed: {np.mean(y == 0):.3f} | kept scaled to {y.max():.3f} | mean {y.mean():.3f} | "
      f"inference unchanged: {np.array_equal(drop(x), x)}")"""),
    ("md", """\
## Learning-rate schedules
Step (piecewise constant), exponential, 1/t (Keras 2's `decay=` is exactly this curve) and
cosine annealing with warm restarts — the deck's last figure."""),
    ("code", "plot_schedules(steps=1000, initial_learning_rate=0.1)"),
]

# ------------------------------------------------------------------------------------------
DECK2 = [
    ("md", """\
# Deck 002 — deep learning optimizers and the exponentially weighted moving average

*Keshav Memorial Institute.* The moving average `V_t = β V_{t−1} + (1 − β) θ_t` behind
momentum, RMSProp and Adam; batch, mini-batch and stochastic gradient descent.

**What to look at:** how much each β smooths (it averages about `1/(1 − β)` values: 2, 10, 50);
how the uncorrected average with β = 0.98 starts near 0 and bias correction fixes it; Adam's
first step, which has size ≈ the learning rate whatever the gradient's scale."""),
    ("code", SETUP + "from deepgrad.plotting import ewma, noisy_series, plot_ewma"),
    ("md", """\
## The moving average
The deck's recursion with `V_0 = 0` (the deck writes `V_0 = θ`; bias correction only makes sense
from 0, as in Adam). With β = 0.9, `V_t = 0.9 V_{t−1} + 0.1 θ_t`; the deck's second example uses
β = 0.6: `0.6 V_{t−1} + 0.4 θ_t`."""),
    ("code", """\
theta = [10.0, 12.0, 11.0]
for beta in (0.9, 0.6):
    print(f"beta = {beta}: V = {ewma(theta, beta)}  corrected: {ewma(theta, beta, True)}")
for beta in (0.5, 0.9, 0.98):
    print(f"beta = {beta}: averages about 1/(1 - beta) = {1 / (1 - beta):.0f} values")"""),
    ("code", "plot_ewma(noisy_series(), betas=(0.5, 0.9, 0.98))"),
    ("md", """\
## Momentum, RMSProp, Adam — the library's optimizers
The deck's Adam line `w_t = w_{t−1} − α v̂_t / (√ŝ_t + ε) · dw_t` multiplies by the gradient twice
(a slip): the update is `α v̂_t / (√ŝ_t + ε)`. On the first step `v̂_1 = g`, `ŝ_1 = g²`, so the
step is `α g/|g| ≈ α` for any gradient scale:"""),
    ("code", """\
from deepgrad.optimizers import Adam
for scale in (1e-3, 1.0, 1e3):
    w = np.array([1.0])
    Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8).apply_gradients([(np.array([scale]), w)])
    print(f"gradient {scale:g}: first Adam step = {1.0 - w[0]:.6f}")"""),
    ("md", """\
## The deck's exercise: `update_parameters_with_adam`
A solution in NumPy with the deck's names (`v` = first moment, `s` = second moment, bias-corrected,
`ε` added to `√ŝ`), checked against the library's `Adam` on a 2-3-1 network's parameters for 5
steps. Keras (and deepgrad) add ε to the *uncorrected* root, i.e. the textbook form with
`ε_t = ε / √(1 − β₂ᵗ)`; with that ε the two agree to rounding."""),
    ("code", """\
def update_parameters_with_adam(params, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    for k in params:
        v[k] = beta1 * v[k] + (1 - beta1) * grads[k]
        s[k] = beta2 * s[k] + (1 - beta2) * grads[k] ** 2
        v_hat = v[k] / (1 - beta1 ** t)
        s_hat = s[k] / (1 - beta2 ** t)
        params[k] = params[k] - learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
    return params, v, s

rng = np.random.default_rng(0)
shapes = {"W1": (3, 2), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1)}
params = {k: rng.normal(size=sh) for k, sh in shapes.items()}
library = {k: p.copy() for k, p in params.items()}
v = {k: np.zeros(sh) for k, sh in shapes.items()}; s = {k: np.zeros(sh) for k, sh in shapes.items()}
adam = Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
for t in range(1, 6):
    grads = {k: rng.normal(size=sh) for k, sh in shapes.items()}
    eps_t = 1e-8 / np.sqrt(1 - 0.999 ** t)          # Keras's epsilon, in the textbook form
    params, v, s = update_parameters_with_adam(params, grads, v, s, t, 0.01, epsilon=eps_t)
    adam.apply_gradients([(grads[k], library[k]) for k in shapes])
diff = max(np.abs(params[k] - library[k]).max() for k in shapes)
print(f"deck's exercise vs deepgrad Adam after 5 steps: max difference {diff:.1e}; agree: {diff < 1e-12}")"""),
    ("md", """\
## Batch, mini-batch and stochastic gradient descent
The same network trained with `batch_size` = all, 32 and 1 for the same number of examples seen
(one epoch of 1,000 embedded Fashion-MNIST images): one update, 32 updates, 1,000 updates."""),
    ("code", """\
from deepgrad import models, layers, optimizers
from deepgrad.datasets import fashion_mnist
from deepgrad.utils import set_random_seed
(x, y), _ = fashion_mnist.load_data(subset=True)
X, Y = x[:1000].reshape(-1, 784).astype("float32") / 255, y[:1000]
for batch in (1000, 32, 1):
    set_random_seed(0)
    model = models.Sequential([layers.Dense(32, activation="relu", input_shape=(784,)),
                               layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    h = model.fit(X, Y, batch_size=batch, epochs=1, verbose=0)
    print(f"batch_size={batch:5d}: {int(np.ceil(1000 / batch)):5d} updates, loss after one epoch "
          f"{model.evaluate(X, Y, verbose=0):.3f}")"""),
]

# ------------------------------------------------------------------------------------------
DECK3 = [
    ("md", """\
# Deck 003 — gradient descent, momentum, NAG, stochastic and mini-batch on one sigmoid neuron

The toy problem: `f(x) = σ(w x + b)` through the two points (0.5, 0.2) and (2.5, 0.9),
`L(w, b) = ½ Σ (y_i − f(x_i))²`.

**What to look at:** the deck's table of guesses (reproduced to its rounding); plain gradient
descent crawling on the plateau from (−2, −2); momentum and NAG rushing through it (NAG with
shorter U-turns); stochastic updates zig-zagging."""),
    ("code", SETUP + """\
from deepgrad import models, layers, optimizers
X = np.array([[0.5], [2.5]]); Y = np.array([[0.2], [0.9]])

def f(w, b, x):
    return 1.0 / (1.0 + np.exp(-(w * x + b)))

def error(w, b):
    return 0.5 * sum((y - f(w, b, x)) ** 2 for x, y in zip(X[:, 0], Y[:, 0]))"""),
    ("md", """\
## The deck's guesses
The deck prints w and b to two decimals and the losses computed from unrounded values, so the
last digit can differ by one (0.0730 vs 0.0731 here)."""),
    ("code", """\
deck = [(0.50, 0.00, 0.0730), (-0.10, 0.00, 0.1481), (0.94, -0.94, 0.0214),
        (1.42, -1.73, 0.0028), (1.65, -2.08, 0.0003), (1.78, -2.27, 0.0000)]
print("    w      b    L (deck)  L (here)")
for w, b, l in deck:
    print(f"{w:6.2f} {b:6.2f}   {l:.4f}    {error(w, b):.4f}")"""),
    ("md", """\
## Gradient descent with the library
A `Dense(1, activation="sigmoid")` *is* this neuron; Keras's `mse` over the batch of two points is
`½ Σ (y − f)²`, the deck's L, so `SGD(learning_rate=1.0)` with `batch_size=2` is the deck's
`do_gradient_descent` (`eta = 1`). The deck's momentum `v = γ v + η ∇w; w = w − v` is Keras's
`SGD(momentum=γ)`; Keras's `nesterov=True` is the same look-ahead method written at the
shifted point (its path is the deck's shifted by `γ v`)."""),
    ("code", """\
from deepgrad.optimizers import SGD

def train(optimizer, epochs, batch_size=2):
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(1,), dtype="float64")])
    model.set_weights([np.array([[-2.0]]), np.array([-2.0])])      # w = -2, b = -2
    model.compile(optimizer=optimizer, loss="mse")
    path = [(-2.0, -2.0)]
    for _ in range(epochs):
        model.fit(X, Y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        k, b = model.get_weights()
        path.append((float(k[0, 0]), float(b[0])))
    return np.array(path)

runs = {
    "GD": train(SGD(learning_rate=1.0), 100),
    "momentum (0.9)": train(SGD(learning_rate=1.0, momentum=0.9), 100),
    "NAG (0.9)": train(SGD(learning_rate=1.0, momentum=0.9, nesterov=True), 100),
    "stochastic GD (batch 1)": train(SGD(learning_rate=1.0), 100, batch_size=1),
}
for name, path in runs.items():
    print(f"{name:24s} after 100 epochs: w = {path[-1, 0]:6.3f}, b = {path[-1, 1]:6.3f}, "
          f"L = {error(*path[-1]):.5f}")"""),
    ("md", """\
The deck's own `do_gradient_descent` (its typos fixed: `grad_w`, `dw, db = 0, 0`) gives the same
path as the library's `SGD` — to rounding:"""),
    ("code", """\
def grad_b(w, b, x, y):
    fx = f(w, b, x)
    return (fx - y) * fx * (1 - fx)

def grad_w(w, b, x, y):
    fx = f(w, b, x)
    return (fx - y) * fx * (1 - fx) * x

def do_gradient_descent(max_epochs=100):
    w, b, eta = -2, -2, 1.0
    for i in range(max_epochs):
        dw, db = 0, 0
        for x, y in zip(X[:, 0], Y[:, 0]):
            dw += grad_w(w, b, x, y)
            db += grad_b(w, b, x, y)
        w = w - eta * dw
        b = b - eta * db
    return w, b

w, b = do_gradient_descent(100)
diff = max(abs(w - runs["GD"][-1, 0]), abs(b - runs["GD"][-1, 1]))
print(f"deck's loop: w = {w:.6f}, b = {b:.6f} | deepgrad SGD: w = {runs['GD'][-1, 0]:.6f}, b = {runs['GD'][-1, 1]:.6f}")
print(f"same path (max difference < 1e-10): {diff < 1e-10}")"""),
    ("md", "The error surface with the four paths (contours close together = steep):"),
    ("code", """\
from matplotlib.figure import Figure
ws, bs = np.meshgrid(np.linspace(-6, 6, 121), np.linspace(-6, 6, 121))
surface = np.vectorize(error)(ws, bs)
fig = Figure(figsize=(10, 4.2), layout="constrained")
ax, ax_loss = fig.subplots(1, 2)
ax.contourf(ws, bs, surface, levels=20, cmap="Greys")
for (name, path), color in zip(runs.items(), ["#000000", "#D55E00", "#0072B2", "#009E73"]):
    ax.plot(path[:, 0], path[:, 1], ".-", color=color, label=name, markersize=3)
    ax_loss.plot([error(*p) for p in path], color=color, label=name)
ax.set(xlabel="w", ylabel="b", title="paths on the error surface")
ax_loss.set(xlabel="epoch", ylabel="L(w, b)", yscale="log", title="loss")
ax.legend(fontsize=8); ax_loss.legend(fontsize=8)
fig"""),
    ("md", """\
Plain GD needs many more epochs: the deck's `max_epochs = 1000`."""),
    ("code", """\
gd = train(SGD(learning_rate=1.0), 1000)
print(f"GD after 1000 epochs: w = {gd[-1, 0]:.3f}, b = {gd[-1, 1]:.3f}, L = {error(*gd[-1]):.5f}")"""),
]

# ------------------------------------------------------------------------------------------
DECK4 = [
    ("md", """\
# Deck 004 — gradient descent ideas, the learning rate, and the adaptive optimizers

*Dr. Parlett-Pelleriti.* Partial derivatives of `f = x² + xy + y²`, the learning rate, the deck's
linear-regression example, learning-rate decay, and momentum / AdaGrad / RMSProp / Adam on `f`.

**What to look at:** the first gradient step of the regression example ((−8, −14) → (0.08, 0.14))
and the deck's slip in the sanity check (it uses 0.8 for 0.08); how a too-large learning rate
diverges; the shape of each optimizer's path."""),
    ("code", SETUP + "from deepgrad import models, layers, optimizers"),
    ("md", """\
## Partial derivatives and one step
`∂f/∂x = 2x + y`, `∂f/∂y = x + 2y`. The library's `SGD` moves the point `[x, y]`:
`[x, y] − α ∇f`."""),
    ("code", """\
def grad_f(p):
    return np.array([2 * p[0] + p[1], p[0] + 2 * p[1]])

p = np.array([1.5, -0.5])
print("gradient at (1.5, -0.5):", grad_f(p))
optimizers.SGD(learning_rate=0.1).apply_gradients([(grad_f(p), p)])
print("after one step with alpha = 0.1:", p)"""),
    ("md", """\
## The deck's linear-regression example
Points (1, 1) and (2, 3), `ŷ = b_0 + b_1 x`, `SSE = Σ (y − ŷ)²`. At `(b_0, b_1) = (0, 0)` the
gradient is `(−2 Σ y, −2 Σ x y) = (−8, −14)`; the step with α = 0.01 gives (0.08, 0.14). The
gradient below comes from a `Dense(1)` layer's `backward` fed with `∂SSE/∂ŷ = 2(ŷ − y)`."""),
    ("code", """\
x = np.array([[1.0], [2.0]]); y = np.array([[1.0], [3.0]])
dense = layers.Dense(1, kernel_initializer="zeros", dtype="float64")
yhat = dense(x)                                   # builds the layer; b0 = b1 = 0
out = dense.forward(x, training=True)
dense.backward(2 * (out - y))
print("gradient (b0, b1):", dense.bias.grad[0], dense.kernel.grad[0, 0])
optimizers.SGD(learning_rate=0.01).apply_gradients(
    [(dense.bias.grad, dense.bias), (dense.kernel.grad, dense.kernel)])
b0, b1 = float(dense.bias.value[0]), float(dense.kernel.value[0, 0])
print(f"after one step: b0 = {b0:.2f}, b1 = {b1:.2f}")
sse = lambda b0, b1: float(((y[:, 0] - (b0 + b1 * x[:, 0])) ** 2).sum())
print(f"SSE before: {sse(0, 0):.4f} | after: {sse(b0, b1):.4f}")
print(f"the deck's 4.2948 uses 0.8 for 0.08 in the second term: {(1 - 0.22) ** 2 + (3 - 0.8 - 0.28) ** 2:.4f}")"""),
    ("md", """\
## The learning rate
Gradient descent on `f` from (1.5, −0.5): α = 0.1 converges, α = 0.6 oscillates but converges,
α = 0.7 diverges (the Hessian's largest eigenvalue is 3, so GD is stable for α < 2/3)."""),
    ("code", """\
for lr in (0.1, 0.6, 0.7):
    p = np.array([1.5, -0.5]); opt = optimizers.SGD(learning_rate=lr)
    for _ in range(50):
        opt.apply_gradients([(grad_f(p), p)])
    print(f"alpha = {lr}: after 50 steps |p| = {np.linalg.norm(p):.3g}")"""),
    ("md", """\
## Learning-rate decay
The deck's `lr = lr0 / (1 + decay · batch)` is `InverseTimeDecay(lr0, decay_steps=1, decay_rate=decay)`,
which is also what Keras 2's `SGD(lr, decay=...)` meant."""),
    ("code", """\
from deepgrad.optimizers.schedules import InverseTimeDecay
sched = InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.01)
opt = optimizers.SGD(learning_rate=0.1, decay=0.01)
for step in (0, 10, 100):
    opt.iterations = step
    print(f"step {step:3d}: lr0/(1 + decay*step) = {0.1 / (1 + 0.01 * step):.5f} | "
          f"schedule {sched(step):.5f} | SGD(decay=) {opt.learning_rate:.5f}")"""),
    ("md", """\
## Momentum, AdaGrad, RMSProp, Adam on `f`
The same library optimizers that train networks, moving one point (100 steps, α = 0.1)."""),
    ("code", """\
from matplotlib.figure import Figure
runs = {"GD": optimizers.SGD(learning_rate=0.1),
        "momentum": optimizers.SGD(learning_rate=0.1, momentum=0.9),
        "AdaGrad": optimizers.Adagrad(learning_rate=0.1),
        "RMSProp": optimizers.RMSprop(learning_rate=0.1),
        "Adam": optimizers.Adam(learning_rate=0.1)}
paths = {}
for name, opt in runs.items():
    p = np.array([1.5, -0.5]); path = [p.copy()]
    for _ in range(100):
        opt.apply_gradients([(grad_f(p), p)]); path.append(p.copy())
    paths[name] = np.array(path)
    print(f"{name:9s} f after 100 steps: {p[0]**2 + p[0]*p[1] + p[1]**2:.2e}")
gx, gy = np.meshgrid(np.linspace(-2, 2, 81), np.linspace(-2, 2, 81))
fig = Figure(figsize=(5.5, 5), layout="constrained"); ax = fig.subplots()
ax.contour(gx, gy, gx**2 + gx*gy + gy**2, levels=15, colors="0.7")
for (name, path), c in zip(paths.items(), ["#000000", "#D55E00", "#009E73", "#E69F00", "#CC79A7"]):
    ax.plot(path[:, 0], path[:, 1], ".-", color=c, label=name, markersize=3)
ax.set(xlabel="x", ylabel="y", title="f = x² + xy + y²", aspect="equal"); ax.legend(fontsize=8)
fig"""),
]

DECKS = {
    "deck000_rnn_backprop_unstable_gradients.ipynb": DECK0,
    "deck001_feedforward_networks.ipynb": DECK1,
    "deck002_ewma_and_optimizers.ipynb": DECK2,
    "deck003_gradient_descent_sigmoid_neuron.ipynb": DECK3,
    "deck004_gradient_descent_ideas.ipynb": DECK4,
}


def build(cells):
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells]
    for i, cell in enumerate(nb.cells):          # stable ids: regenerating gives the same files
        cell.id = f"cell-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, cells in DECKS.items():
        nb = build(cells)
        nbformat.validate(nb)
        nbformat.write(nb, OUT / name)
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
