"""The optimizer lab: watch deepgrad's optimizers move on 2-D problems, and compare them on
the notes' network.

    from deepgrad import lab
    paths = lab.run_many("rosenbrock", {"momentum": 1e-3, "adam": 0.05}, steps=500)
    lab.save_contour("rosenbrock", paths, "rosenbrock.png")

* :mod:`~deepgrad.lab.problems` value + gradient of the notes' problems and test surfaces
* :mod:`~deepgrad.lab.runs`     ``run``/``run_many``: the optimizer objects that train networks,
  applied to a 2-vector; :class:`Trajectory`
* :mod:`~deepgrad.lab.plots`    contour, 3-D surface, loss curves (PNG + SVG)
* :mod:`~deepgrad.lab.animation` animated GIF
* :mod:`~deepgrad.lab.sweep`    the notes' learning-rate sweep
* :mod:`~deepgrad.lab.compare`  the notes' MLP trained with each optimizer call of the notes
* :mod:`~deepgrad.lab.parallel` joblib / Dask runner for many independent runs
* :mod:`~deepgrad.lab.notes`    the notes' numbers recomputed (guess table, regression step, ...)

See ``docs/lab.md``.
"""

from .problems import Problem, DataProblem, get as get_problem, names as problem_names
from .runs import Trajectory, run, run_many, make_optimizer, count_u_turns, PRESETS
from .plots import save_contour, save_surface3d, save_loss_curves, contour, surface3d, loss_curves
from .animation import save_gif
from .sweep import lr_sweep, save_sweep, sweep_table, COARSE_RATES
from .parallel import run_tasks

__all__ = [
    "Problem", "DataProblem", "get_problem", "problem_names", "Trajectory", "run", "run_many",
    "make_optimizer", "count_u_turns", "PRESETS", "save_contour", "save_surface3d",
    "save_loss_curves", "contour", "surface3d", "loss_curves", "save_gif", "lr_sweep",
    "save_sweep", "sweep_table", "COARSE_RATES", "run_tasks",
]
