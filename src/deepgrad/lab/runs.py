"""Move a 2-vector with deepgrad's own optimizers and record the path.

The lab has no optimizer code of its own: a run holds the point as a float64 NumPy array
and hands ``(gradient, point)`` to ``optimizer.apply_gradients``, the same call that trains a
network, which updates the point in place.

Presets (:func:`make_optimizer`) name the notes' variants, all built from
``deepgrad.optimizers``:

=========  ==================================================================
``sgd``      ``SGD(lr)``                      (plain gradient descent; ``gd`` too)
``momentum`` ``SGD(lr, momentum=0.9)``        (notes: v = gamma v + eta g; w -= v)
``nesterov`` ``SGD(lr, momentum=0.9, nesterov=True)``  (``nag`` too; Keras's variable, so the
             points are the notes' look-ahead points w_t - gamma v_{t-1}, not w_t)
``adagrad``  ``Adagrad(lr, initial_accumulator_value=0.0, epsilon=1e-8)`` (the notes' AdaGrad
             starts its sum of squares at 0; Keras's default would be 0.1)
``rmsprop``  ``RMSprop(lr, rho=0.9, epsilon=1e-8)``
``adam``     ``Adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8)``
=========  ==================================================================

Any other name known to ``deepgrad.optimizers.get`` is built with its defaults and ``lr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import problems as _problems

__all__ = ["Trajectory", "run", "run_many", "make_optimizer", "PRESETS", "preset_names",
           "count_u_turns", "DIVERGENCE_FACTOR", "DIVERGENCE_BOUND", "MAX_STEPS", "is_diverged",
           "DEFAULT_RATES", "default_rate"]

#: Divergence, the one definition used by runs, the CLI's table, legends, the loss plot, the
#: sweep and the GIF: a path *diverges* at the first step whose loss is not finite, or whose
#: ``|loss|`` exceeds ``DIVERGENCE_FACTOR * max(1, |start loss|)``, or whose point leaves the
#: box ``|p0|, |p1| <= DIVERGENCE_BOUND``. The run stops there and keeps that last finite point.
DIVERGENCE_FACTOR = 1e6
DIVERGENCE_BOUND = 1e6
#: the most updates one run makes (``steps`` above it is refused: a typo like 10**12 would run
#: for days)
MAX_STEPS = 100_000


def is_diverged(loss: float, start_loss: float, point) -> bool:
    """True when ``(loss, point)`` is diverged by the definition above (``start_loss``: the
    loss at the run's start)."""
    if not (np.isfinite(loss) and np.all(np.isfinite(point))):
        return True
    if abs(loss) > DIVERGENCE_FACTOR * max(1.0, abs(start_loss)):
        return True
    return bool(np.max(np.abs(point)) > DIVERGENCE_BOUND)


#: per problem: the learning rate of each preset that draws the classic picture (every
#: optimizer moving, none diverging, in 200 steps from the problem's start); ``"*"`` is the
#: rate of any other optimizer. Chosen by running each preset over 1e-4..10 (see
#: tests/lab/test_lab_runs.py, which checks that every default moves and does not diverge).
DEFAULT_RATES = {
    "sigmoid": {"sgd": 2.0, "momentum": 1.0, "nesterov": 1.0, "adagrad": 1.0, "rmsprop": 0.1,
                "adam": 0.1, "*": 0.1},
    "sparse": {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 1.0,
               "rmsprop": 0.1, "adam": 0.1, "*": 0.05},
    "linreg": {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 1.0,
               "rmsprop": 0.05, "adam": 0.2, "*": 0.05},
    "bowl": {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 1.0, "rmsprop": 0.05,
             "adam": 0.2, "*": 0.05},
    "rosenbrock": {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5,
                   "rmsprop": 0.01, "adam": 0.05, "*": 1e-3},
    "beale": {"sgd": 0.01, "momentum": 0.002, "nesterov": 0.002, "adagrad": 0.5,
              "rmsprop": 0.02, "adam": 0.05, "*": 0.01},
    "himmelblau": {"sgd": 0.01, "momentum": 0.002, "nesterov": 0.002, "adagrad": 1.0,
                   "rmsprop": 0.05, "adam": 0.1, "*": 0.01},
    "saddle": {"sgd": 0.02, "momentum": 0.003, "nesterov": 0.003, "adagrad": 0.2,
               "rmsprop": 0.02, "adam": 0.05, "*": 0.02},
    "illcond": {"sgd": 0.03, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5,
                "rmsprop": 0.05, "adam": 0.1, "*": 0.01},
    "rastrigin": {"sgd": 0.002, "momentum": 0.001, "nesterov": 0.001, "adagrad": 0.5,
                  "rmsprop": 0.02, "adam": 0.05, "*": 0.002},
}


def default_rate(problem, optimizer: str) -> float:
    """The learning rate :data:`DEFAULT_RATES` gives ``optimizer`` on ``problem`` (0.01 for a
    problem without an entry)."""
    name = _problems.get(problem).name
    table = DEFAULT_RATES.get(name, {})
    key = {"gd": "sgd", "nag": "nesterov"}.get(optimizer.lower(), optimizer.lower())
    return float(table.get(key, table.get("*", 0.01)))

#: preset name -> (optimizer class name, keyword arguments besides learning_rate)
PRESETS = {
    "sgd": ("SGD", {}),
    "gd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "nag": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {"initial_accumulator_value": 0.0, "epsilon": 1e-8}),
    "rmsprop": ("RMSprop", {"rho": 0.9, "epsilon": 1e-8}),
    "adam": ("Adam", {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}),
}


def preset_names() -> list[str]:
    return list(PRESETS)


def _optimizer_names() -> list[str]:
    from .. import optimizers
    registry = getattr(optimizers, "OPTIMIZERS", None)
    extra = set(registry.names()) if registry is not None and hasattr(registry, "names") else set()
    # drop mechanical snake_case twins ("rm_sprop" of "rmsprop")
    extra = {n for n in extra if "_" not in n or n.replace("_", "") not in extra}
    return sorted(set(PRESETS) | extra)


def make_optimizer(name: str, learning_rate: float):
    """Build the optimizer preset ``name`` (see the module docstring) with ``learning_rate``."""
    from .. import optimizers
    key = name.lower()
    if key in PRESETS:
        cls_name, kwargs = PRESETS[key]
        return getattr(optimizers, cls_name)(learning_rate=learning_rate, **kwargs)
    try:
        opt = optimizers.get(key)
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"unknown optimizer {name!r}; valid optimizers: "
                         f"{', '.join(_optimizer_names())}") from None
    opt.learning_rate = learning_rate
    return opt


@dataclass
class Trajectory:
    """The path of one optimizer on one problem.

    ``points`` (n+1, 2): the start and the point after each step; ``losses`` (n+1,) the full
    loss there; ``grad_norms`` (n+1,) the norm of the full gradient there. ``steps_to_tol`` is
    the first step whose loss is within ``tol`` of the problem's minimum (None if never, or if
    the problem has no minimum): "first reached tol at step k", not "converged". ``diverged``:
    the path diverged (:data:`DIVERGENCE_FACTOR`, :data:`DIVERGENCE_BOUND`) at step
    ``diverged_at``; the path stops at its last finite point.
    """

    label: str
    problem: str
    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    steps_to_tol: int | None
    diverged: bool
    tol: float | None
    learning_rate: float | None = None
    batch_size: int | None = None
    extra: dict = field(default_factory=dict)
    diverged_at: int | None = None

    @property
    def steps(self) -> int:
        """Number of updates made (0 if the start itself was non-finite: an empty path)."""
        return max(len(self.points) - 1, 0)

    @property
    def final_loss(self) -> float:
        """Loss at the last recorded point; NaN when the path is empty (the start itself was
        non-finite, so no point was recorded)."""
        return float(self.losses[-1]) if len(self.losses) else float("nan")

    def summary(self) -> str:
        if self.diverged:
            return f"diverged at step {self.diverged_at if self.diverged_at is not None else self.steps}"
        if self.tol is None or self.steps_to_tol is None:
            return f"loss {self.final_loss:.3g}, tol {self.tol:g} not reached" \
                if self.tol is not None else f"loss {self.final_loss:.3g}"
        return f"loss {self.final_loss:.3g}, first reached tol at step {self.steps_to_tol}"

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (lists of floats)."""
        return {
            "label": self.label, "problem": self.problem, "points": self.points.tolist(),
            "losses": self.losses.tolist(), "grad_norms": self.grad_norms.tolist(),
            "steps_to_tol": self.steps_to_tol, "diverged": self.diverged, "tol": self.tol,
            "learning_rate": self.learning_rate, "batch_size": self.batch_size,
            "diverged_at": self.diverged_at,
        }


def _batches(n, batch_size, shuffle, gen):
    """Endless stream of index arrays: consecutive chunks of an (optionally shuffled) epoch."""
    while True:
        order = gen.permutation(n) if shuffle else np.arange(n)
        for lo in range(0, n, batch_size):
            yield order[lo:lo + batch_size]


def _finite(*arrays) -> bool:
    return all(bool(np.all(np.isfinite(a))) for a in arrays)


def _check_optimizer(optimizer) -> None:
    """``optimizer`` must be a preset name or an optimizer object that has not stepped yet."""
    if isinstance(optimizer, str):
        return
    if not callable(getattr(optimizer, "apply_gradients", None)):
        raise TypeError(f"lab.run: `optimizer` must be a preset name or an optimizer object "
                        f"with apply_gradients, got {type(optimizer).__name__} {optimizer!r}.")
    done = getattr(optimizer, "iterations", 0)
    if done:
        name = type(optimizer).__name__
        raise ValueError(
            f"lab.run: `optimizer` ({name}) has already made {int(done)} step(s); its state "
            f"(step count, momentum or moment estimates) would carry into this run. Pass a "
            f"fresh optimizer, e.g. type(opt).from_config(opt.get_config()).")


def run(problem, optimizer, steps: int, start=None, batch_size: int | None = None,
        tol: float | None = None, label: str | None = None, learning_rate: float = 0.01,
        shuffle: bool = False, seed: int = 0, mean: bool = False) -> Trajectory:
    """Run ``optimizer`` for ``steps`` updates on ``problem`` from ``start``.

    Args:
        problem: a :class:`~deepgrad.lab.problems.Problem` or its name.
        optimizer: an optimizer object that has not stepped yet (``apply_gradients`` is
            called on it; one that has stepped is refused, since its state would carry into
            this run: pass ``type(opt).from_config(opt.get_config())``) or a preset name
            (built with ``learning_rate``).
        steps: number of updates (int >= 0).
        start: the starting point (default: the problem's customary start).
        batch_size: data problems only: ``None`` = all points (gradient descent), 1 =
            stochastic, k = mini-batch; one update per batch, batches taken in order
            (``shuffle=True``: reshuffled each epoch with a generator seeded by ``seed``).
        tol: convergence tolerance on ``loss - min_value``, a finite float > 0 (default:
            the problem's).
        label: the name shown in legends (default: the preset name or class name).
        mean: data problems only: step on the gradient of the batch's *mean* loss
            (sum / batch size) instead of the sum, so that one learning rate is comparable
            across batch sizes (the batch-vs-mini-batch-vs-stochastic picture uses this).
            Losses recorded stay the problem's full loss.

    Returns:
        a :class:`Trajectory`. The run stops early where it diverges (see
        :data:`DIVERGENCE_FACTOR`; ``diverged=True``, ``diverged_at`` the step).
    """
    from .._validation import check_bool, check_float, check_int
    problem = _problems.get(problem)
    steps = check_int(steps, "steps", "lab.run", minimum=0)
    if steps > MAX_STEPS:
        raise ValueError(f"lab.run: `steps` must be <= {MAX_STEPS} (MAX_STEPS), got {steps}.")
    _check_optimizer(optimizer)
    tol = check_float(tol, "tol", "lab.run", low=0.0, low_inclusive=False, allow_none=True)
    seed = check_int(seed, "seed", "lab.run", minimum=0)
    shuffle, mean = check_bool(shuffle, "shuffle", "lab.run"), check_bool(mean, "mean", "lab.run")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"lab.run: `label` must be a str or None, got {type(label).__name__} {label!r}.")
    try:
        point = np.array(problem.start if start is None else start, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        point = None
    if point is None or point.shape != (2,):
        raise ValueError(f"lab.run: `start` must be 2 numbers, got {start!r}.")
    if isinstance(optimizer, str):
        label = label or optimizer
        optimizer = make_optimizer(optimizer, learning_rate)
    label = label or type(optimizer).__name__
    tol = problem.tol if tol is None else tol
    if problem.min_value is None:
        tol = None   # no minimum (the saddle): nothing to be within tol of
    if batch_size is not None:
        if not isinstance(problem, _problems.DataProblem):
            raise ValueError(f"lab.run: `batch_size` needs a data problem "
                             f"(sigmoid, sparse, linreg), got {problem.name!r}.")
        batch_size = check_int(batch_size, "batch_size", "lab.run", minimum=1)
        batches = _batches(problem.n_points, batch_size, shuffle, np.random.default_rng(seed))
    else:
        batches = None

    points, losses, norms = [], [], []
    diverged = False

    scale = 1.0
    if batches is not None or isinstance(problem, _problems.DataProblem):
        # mean=True: the gradient of the batch's *mean* loss, so that one rate suits every
        # batch size (the sum's gradient grows with the batch).
        scale = None if mean else 1.0

    def record(p):
        with np.errstate(all="ignore"):
            loss = problem.value(p)
            g = problem.grad(p)
        if not _finite(p, loss, g):
            return False
        if losses and is_diverged(loss, losses[0], p):
            return False
        points.append(p.copy())
        losses.append(loss)
        norms.append(float(np.linalg.norm(g)))
        return True

    diverged_at = None
    if not record(point):
        diverged, diverged_at = True, 0
    for k in range(steps if not diverged else 0):
        idx = next(batches) if batches is not None else None
        with np.errstate(all="ignore"):
            g = problem.grad(point, idx)
            if scale is None:
                g = g / (problem.n_points if idx is None else len(idx))
        if not _finite(g):
            diverged, diverged_at = True, k + 1
            break
        with np.errstate(all="ignore"):
            optimizer.apply_gradients([(g, point)])
        if not record(point):
            diverged, diverged_at = True, k + 1
            break

    lr = getattr(optimizer, "learning_rate", None)
    lr = float(lr) if isinstance(lr, (int, float, np.floating)) else None
    losses_a = np.asarray(losses, dtype=np.float64)
    reached = None
    if problem.min_value is not None and len(losses_a):
        hit = np.nonzero(losses_a - problem.min_value <= tol)[0]
        reached = int(hit[0]) if len(hit) else None
    return Trajectory(label=label, problem=problem.name,
                      points=np.asarray(points, dtype=np.float64).reshape(-1, 2),
                      losses=losses_a, grad_norms=np.asarray(norms, dtype=np.float64),
                      steps_to_tol=reached, diverged=diverged, tol=tol, learning_rate=lr,
                      batch_size=batch_size, diverged_at=diverged_at)


def run_many(problem, optimizers, steps: int, start=None, learning_rate: float | None = None,
             **kwargs) -> list[Trajectory]:
    """Several optimizers side by side from the same start.

    ``optimizers``: a list of preset names (each at ``learning_rate``, or, when that is None,
    at the problem's :data:`DEFAULT_RATES`), a list of ``(name, learning_rate)`` pairs (one
    optimizer may appear at several rates), a dict ``{name: learning_rate}``, or a dict
    ``{label: optimizer_object}``. A name given more than once is labelled with its rate
    (``"sgd lr=0.1"``, ``"sgd lr=1"``). Other keyword arguments go to :func:`run`.
    """
    problem = _problems.get(problem)
    if isinstance(optimizers, dict):
        items = list(optimizers.items())
    else:
        items = [o if isinstance(o, tuple) else (o, learning_rate) for o in optimizers]
    items = [(n, default_rate(problem, n) if spec is None and isinstance(n, str) else spec)
             for n, spec in items]
    names = [n for n, _ in items]
    out = []
    for name, spec in items:
        if isinstance(spec, (int, float)):
            label = f"{name} lr={float(spec):g}" if names.count(name) > 1 else None
            out.append(run(problem, name, steps, start, learning_rate=float(spec), label=label,
                           **kwargs))
        else:
            out.append(run(problem, spec, steps, start, label=name, **kwargs))
    return out


def count_u_turns(traj: Trajectory, axis: int | None = None) -> int:
    """Number of U-turns: sign changes of successive steps ``p_{t+1} - p_t`` along ``axis``
    (both axes summed when None). Exact zero steps are skipped."""
    steps = np.diff(traj.points, axis=0)
    axes = range(2) if axis is None else [axis]
    total = 0
    for a in axes:
        s = np.sign(steps[:, a])
        s = s[s != 0]
        total += int(np.count_nonzero(s[1:] != s[:-1]))
    return total
