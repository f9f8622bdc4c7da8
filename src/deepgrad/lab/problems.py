"""Two-parameter problems with analytic value and gradient, for watching optimizers move.

Every problem maps a point ``p = (p0, p1)`` (a float64 2-vector) to a loss and its gradient:

* ``value(p)`` -> float and ``grad(p)`` -> array (2,) of the full loss;
* ``value_grid(P0, P1)`` evaluates the loss on a mesh (for contour and surface plots);
* ``bounds`` ((p0_min, p0_max), (p1_min, p1_max)) is the customary plotting window,
  ``start`` the customary starting point, ``minima`` the known minimisers and ``min_value``
  the smallest loss (``None`` when the problem is unbounded below, like the saddle).

Data problems (:class:`DataProblem`) are built from points ``(x_i, y_i)`` and define the loss
as a *sum* over points, exactly as the notes do (``L(w, b) = 1/2 sum_i (y_i - f(x_i))^2``,
``SSE = sum_i (y_i - b0 - b1 x_i)^2``). ``grad(p, idx)`` sums the per-point gradients over
the indices ``idx`` only, so full-batch gradient descent (all points), stochastic gradient
descent (one point) and mini-batch gradient descent (``k`` points) are the same optimizer fed
gradients from different batch sizes, as in the notes' ``dw += grad_w(w, b, x, y)`` loops.

Look a problem up by name with :func:`get`; :func:`names` lists them.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "Problem", "DataProblem", "SigmoidNeuron", "LinearRegression", "NotesBowl", "Rosenbrock",
    "Beale", "Himmelblau", "Saddle", "IllConditioned", "Rastrigin", "PROBLEMS", "get", "names",
    "sparse_data",
]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Problem:
    """A differentiable function of two parameters.

    Subclasses set the class attributes and implement ``_value(a, b)`` (NumPy broadcasting
    over arrays ``a``, ``b``) and ``_grad(a, b)`` -> ``(d/da, d/db)``.
    """

    name = "problem"
    title = "a two-parameter function"
    formula = ""
    axis_names = ("x", "y")
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    start = (1.0, 1.0)
    minima: tuple = ()
    min_value: float | None = 0.0
    tol = 1e-4            # a run "converged" once loss - min_value <= tol
    log_levels = False    # contour levels spaced in log(loss - min_value)

    def value(self, p) -> float:
        """The loss at ``p`` (a 2-vector)."""
        p = np.asarray(p, dtype=np.float64)
        return float(self._value(p[0], p[1]))

    def grad(self, p, idx=None) -> np.ndarray:
        """The gradient at ``p`` as a float64 array of shape (2,). ``idx`` is ignored."""
        p = np.asarray(p, dtype=np.float64)
        g0, g1 = self._grad(p[0], p[1])
        return np.array([g0, g1], dtype=np.float64)

    def value_grid(self, a, b) -> np.ndarray:
        """The loss on a mesh: ``a`` and ``b`` are arrays of the same shape."""
        return np.asarray(self._value(np.asarray(a, np.float64), np.asarray(b, np.float64)))

    def describe(self) -> str:
        return f"{self.name}: {self.title}"

    def _value(self, a, b):  # pragma: no cover - abstract
        raise NotImplementedError

    def _grad(self, a, b):  # pragma: no cover - abstract
        raise NotImplementedError


class DataProblem(Problem):
    """A loss that is a sum over data points ``(x_i, y_i)``; supports batch gradients.

    ``n_points`` is the number of points. ``grad(p, idx)`` sums the per-point gradients over
    ``idx`` (an int array; ``None`` = all points); ``value(p)`` is always the full loss.
    """

    x: np.ndarray
    y: np.ndarray

    @property
    def n_points(self) -> int:
        return int(self.x.shape[0])

    def grad(self, p, idx=None) -> np.ndarray:
        p = np.asarray(p, dtype=np.float64)
        x, y = (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])
        g0, g1 = self._point_grads(p[0], p[1], x, y)
        return np.array([np.sum(g0), np.sum(g1)], dtype=np.float64)

    def value_grid(self, a, b):
        a = np.asarray(a, np.float64)[..., None]
        b = np.asarray(b, np.float64)[..., None]
        return np.sum(self._point_values(a, b, self.x, self.y), axis=-1)

    def _value(self, a, b):
        return np.sum(self._point_values(a, b, self.x, self.y))

    def _point_values(self, a, b, x, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _point_grads(self, a, b, x, y):  # pragma: no cover - abstract
        raise NotImplementedError


class SigmoidNeuron(DataProblem):
    """The notes' sigmoid neuron ``f(x) = 1 / (1 + exp(-(w x + b)))``.

    Loss ``L(w, b) = 1/2 sum_i (y_i - f(x_i))^2``; per point
    ``dL/dw = (f - y) f (1 - f) x`` and ``dL/db = (f - y) f (1 - f)``.
    Default data: the notes' two points (0.5, 0.2) and (2.5, 0.9), fitted exactly by
    ``w* = (logit 0.9 - logit 0.2) / 2 = 1.7918``, ``b* = logit 0.2 - w*/2 = -2.2822``.
    """

    name = "sigmoid"
    title = "sigmoid neuron on (0.5, 0.2), (2.5, 0.9)"
    formula = r"$L(w,b)=\frac{1}{2}\sum_i (y_i-\sigma(w x_i+b))^2$"
    axis_names = ("w", "b")
    bounds = ((-6.0, 6.0), (-6.0, 6.0))
    start = (-2.0, -2.0)
    tol = 1e-4
    log_levels = True

    def __init__(self, x=(0.5, 2.5), y=(0.2, 0.9), name=None, title=None, start=None,
                 minimum=None):
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        if name is not None:
            self.name = name
        if title is not None:
            self.title = title
        if start is not None:
            self.start = tuple(start)
        if minimum is None and self.n_points == 2:
            logit = np.log(self.y / (1 - self.y))
            w = (logit[1] - logit[0]) / (self.x[1] - self.x[0])
            minimum = (float(w), float(logit[0] - w * self.x[0]))
        if minimum is not None:
            self.minima = (tuple(minimum),)
            self.min_value = self.value(minimum)

    def _point_values(self, a, b, x, y):
        return 0.5 * (y - _sigmoid(a * x + b)) ** 2

    def _point_grads(self, a, b, x, y):
        f = _sigmoid(a * x + b)
        common = (f - y) * f * (1.0 - f)
        return common * x, common


def sparse_data(n=100, sparsity=0.8, seed=1):
    """The notes' sparse-feature data: ``n`` random ``(x, y)`` pairs with ``x = 0`` for about
    ``sparsity`` of them (the feature of ``w`` is sparse, the bias input is always on).

    ``x ~ U(0, 1)`` then zeroed with probability ``sparsity``; ``y ~ U(0, 1)``. A fixed
    ``seed`` (its own generator, the global one is untouched) makes the data identical
    everywhere.
    """
    g = np.random.default_rng(seed)
    x = g.uniform(0.0, 1.0, n)
    y = g.uniform(0.0, 1.0, n)
    x[g.uniform(0.0, 1.0, n) < sparsity] = 0.0
    return x, y


def _sparse_neuron():
    x, y = sparse_data()
    p = SigmoidNeuron(x, y, name="sparse", start=(-2.0, -2.0),
                      title="sigmoid neuron on sparse data (84 of 100 x = 0)")
    # The minimiser has no closed form: found once by Newton's method from (0, 0) (see tests).
    p.minima = (_newton_min(p, (0.0, 0.0)),)
    p.min_value = p.value(p.minima[0])
    return p


def _newton_min(problem, p0, iters=50):
    """Minimise a smooth 2-D problem by Newton's method with a finite-difference Hessian."""
    p = np.array(p0, dtype=np.float64)
    h = 1e-6
    for _ in range(iters):
        g = problem.grad(p)
        hess = np.empty((2, 2))
        for j in range(2):
            e = np.zeros(2)
            e[j] = h
            hess[:, j] = (problem.grad(p + e) - problem.grad(p - e)) / (2 * h)
        p = p - np.linalg.solve(hess, g)
    return (float(p[0]), float(p[1]))


class LinearRegression(DataProblem):
    """The notes' linear regression ``y_hat = b0 + b1 x`` on (1, 1), (2, 3) with
    ``SSE = sum_i (y_i - b0 - b1 x_i)^2``; gradient
    ``(-2 sum_i r_i, -2 sum_i x_i r_i)`` with residuals ``r_i = y_i - b0 - b1 x_i``.
    The two points are fitted exactly by ``b0 = -1, b1 = 2`` (SSE 0).
    """

    name = "linreg"
    title = "linear regression on (1, 1), (2, 3), SSE"
    formula = r"$SSE(b_0,b_1)=\sum_i (y_i-b_0-b_1x_i)^2$"
    axis_names = ("b0", "b1")
    bounds = ((-4.0, 3.0), (-1.0, 5.0))
    start = (0.0, 0.0)
    minima = ((-1.0, 2.0),)
    min_value = 0.0
    tol = 1e-6
    log_levels = True     # 0 at the minimum, ~300 at the corners: log levels show the valley

    def __init__(self):
        self.x = np.array([1.0, 2.0])
        self.y = np.array([1.0, 3.0])

    def _point_values(self, a, b, x, y):
        return (y - a - b * x) ** 2

    def _point_grads(self, a, b, x, y):
        r = y - a - b * x
        return -2.0 * r, -2.0 * x * r


class NotesBowl(Problem):
    """The notes' ``f(x, y) = x^2 + x y + y^2`` with gradient ``(2x + y, x + 2y)``; minimum 0 at (0, 0)."""

    name = "bowl"
    title = "x^2 + xy + y^2"
    formula = r"$f=x^2+xy+y^2$"
    bounds = ((-3.0, 3.0), (-3.0, 3.0))
    start = (2.5, -1.0)
    minima = ((0.0, 0.0),)
    tol = 1e-6
    log_levels = True

    def _value(self, a, b):
        return a * a + a * b + b * b

    def _grad(self, a, b):
        return 2 * a + b, a + 2 * b


class Rosenbrock(Problem):
    """Rosenbrock's banana ``(1 - x)^2 + 100 (y - x^2)^2``; minimum 0 at (1, 1); start (-1.2, 1).

    Gradient ``(-2(1 - x) - 400 x (y - x^2), 200 (y - x^2))``.
    """

    name = "rosenbrock"
    title = "Rosenbrock (1-x)^2 + 100(y-x^2)^2"
    formula = r"$(1-x)^2+100(y-x^2)^2$"
    bounds = ((-2.0, 2.0), (-1.0, 3.0))
    start = (-1.2, 1.0)
    minima = ((1.0, 1.0),)
    tol = 1e-4
    log_levels = True

    def _value(self, a, b):
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2

    def _grad(self, a, b):
        return -2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)


class Beale(Problem):
    """Beale's function ``sum_k (c_k - x + x y^k)^2`` with c = (1.5, 2.25, 2.625), k = 1..3;
    minimum 0 at (3, 0.5); start (1, 1.5)."""

    name = "beale"
    title = "Beale's function"
    formula = r"$\sum_{k=1}^3(c_k-x+xy^k)^2$"
    bounds = ((-4.5, 4.5), (-4.5, 4.5))
    start = (1.0, 1.5)
    minima = ((3.0, 0.5),)
    tol = 1e-4
    log_levels = True
    _c = (1.5, 2.25, 2.625)

    def _value(self, a, b):
        return sum((c - a + a * b ** k) ** 2 for k, c in enumerate(self._c, start=1))

    def _grad(self, a, b):
        ga = gb = 0.0
        for k, c in enumerate(self._c, start=1):
            r = c - a + a * b ** k
            ga = ga + 2 * r * (b ** k - 1)
            gb = gb + 2 * r * a * k * b ** (k - 1)
        return ga, gb


class Himmelblau(Problem):
    """Himmelblau's ``(x^2 + y - 11)^2 + (x + y^2 - 7)^2``: four minima of value 0; start (0, 0)."""

    name = "himmelblau"
    title = "Himmelblau's function (four minima)"
    formula = r"$(x^2+y-11)^2+(x+y^2-7)^2$"
    bounds = ((-5.0, 5.0), (-5.0, 5.0))
    start = (0.0, 0.0)
    minima = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))
    tol = 1e-4
    log_levels = True

    def _value(self, a, b):
        return (a * a + b - 11) ** 2 + (a + b * b - 7) ** 2

    def _grad(self, a, b):
        r1 = a * a + b - 11
        r2 = a + b * b - 7
        return 4 * a * r1 + 2 * r2, 2 * r1 + 4 * b * r2


class Saddle(Problem):
    """The saddle ``x^2 - y^2``: a stationary point at (0, 0) that is not a minimum; unbounded
    below, so a run that escapes along y is a success, not a failure. Start (1.5, 1e-3)."""

    name = "saddle"
    title = "saddle x^2 - y^2"
    formula = r"$x^2-y^2$"
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    start = (1.5, 1e-3)
    minima = ()
    min_value = None

    def _value(self, a, b):
        return a * a - b * b

    def _grad(self, a, b):
        return 2 * a, -2 * b


class IllConditioned(Problem):
    """An ill-conditioned quadratic ``(x^2 + 50 y^2) / 2`` (condition number 50); minimum 0 at (0, 0)."""

    name = "illcond"
    title = "ill-conditioned quadratic (x^2 + 50 y^2)/2"
    formula = r"$(x^2+50y^2)/2$"
    bounds = ((-5.0, 5.0), (-2.0, 2.0))
    start = (-4.5, 1.5)
    minima = ((0.0, 0.0),)
    tol = 1e-4
    log_levels = True
    kappa = 50.0

    def _value(self, a, b):
        return 0.5 * (a * a + self.kappa * b * b)

    def _grad(self, a, b):
        return a, self.kappa * b


class Rastrigin(Problem):
    """Rastrigin's ``20 + sum (x^2 - 10 cos(2 pi x))``: many local minima, global 0 at (0, 0)."""

    name = "rastrigin"
    title = "Rastrigin's function (many local minima)"
    formula = r"$20+\sum(x^2-10\cos 2\pi x)$"
    bounds = ((-5.12, 5.12), (-5.12, 5.12))
    start = (3.3, -2.7)
    minima = ((0.0, 0.0),)
    tol = 1e-4

    def _value(self, a, b):
        return 20 + a * a - 10 * np.cos(2 * math.pi * a) + b * b - 10 * np.cos(2 * math.pi * b)

    def _grad(self, a, b):
        return (2 * a + 20 * math.pi * np.sin(2 * math.pi * a),
                2 * b + 20 * math.pi * np.sin(2 * math.pi * b))


#: name -> factory of a fresh problem
PROBLEMS = {
    "sigmoid": SigmoidNeuron,
    "sparse": _sparse_neuron,
    "linreg": LinearRegression,
    "bowl": NotesBowl,
    "rosenbrock": Rosenbrock,
    "beale": Beale,
    "himmelblau": Himmelblau,
    "saddle": Saddle,
    "illcond": IllConditioned,
    "rastrigin": Rastrigin,
}


def names() -> list[str]:
    """The valid problem names."""
    return list(PROBLEMS)


def get(problem) -> Problem:
    """A :class:`Problem` by name (or the object itself). Unknown names -> ValueError listing the valid ones."""
    if isinstance(problem, Problem):
        return problem
    if not isinstance(problem, str) or problem.lower() not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}; valid problems: {', '.join(PROBLEMS)}")
    return PROBLEMS[problem.lower()]()
