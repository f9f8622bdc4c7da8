"""Run many independent jobs (training runs, sweep points) on local cores or a Dask cluster.

``run_tasks(func, tasks, jobs=1, scheduler=None, on_result=None)`` calls ``func(task)`` for
every task and returns the results in task order. ``on_result(index, result)`` is called in
the parent process as soon as each task finishes (in completion order), so a caller can
write each result to disk immediately and an interrupted sweep keeps what it finished.

* ``jobs=1``, no scheduler: in this process, one after the other.
* ``jobs=N``: N joblib worker processes (the loky backend).

Every task runs with its BLAS thread pool limited to one thread (threadpoolctl): N jobs use N
cores without oversubscription, and a run gives bit-identical numbers wherever it runs (a
matrix product split over several threads sums in another order).
* ``scheduler="tcp://host:port"``: a dask.distributed cluster (``pip install
  "deepgrad[dask]"``); tasks are submitted with ``client.map`` and collected with
  ``as_completed``. ``jobs`` is ignored there (the cluster decides).

A task must carry its own seed: results are the same wherever it runs.
"""

from __future__ import annotations

__all__ = ["run_tasks", "pinned"]


def pinned(func, task):
    """``func(task)`` with BLAS/OpenMP thread pools limited to one thread."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with joblib's dependents
        return func(task)
    with threadpool_limits(limits=1):
        return func(task)


def _indexed(func, i, task):
    return i, pinned(func, task)


def run_tasks(func, tasks, jobs: int = 1, scheduler=None, on_result=None) -> list:
    """Run ``func`` on every task; see the module docstring."""
    from .._validation import check_int
    jobs = check_int(jobs, "jobs", "run_tasks", minimum=1)
    tasks = list(tasks)
    results = [None] * len(tasks)
    if not tasks:
        return results

    def done(i, r):
        results[i] = r
        if on_result is not None:
            on_result(i, r)

    if scheduler is not None:
        _run_dask(func, tasks, scheduler, done)
    elif jobs == 1:
        for i, t in enumerate(tasks):
            done(i, pinned(func, t))
    else:
        from joblib import Parallel, delayed
        par = Parallel(n_jobs=min(jobs, len(tasks)), backend="loky",
                       return_as="generator_unordered")
        for i, r in par(delayed(_indexed)(func, i, t) for i, t in enumerate(tasks)):
            done(i, r)
    return results


def _run_dask(func, tasks, scheduler, done):
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise ImportError('the Dask scheduler needs dask.distributed: pip install "deepgrad[dask]"') from None
    client = Client(scheduler, timeout="10s")
    try:
        futures = client.map(_indexed, [func] * len(tasks), range(len(tasks)), tasks, pure=False)
        for fut in as_completed(futures):
            i, r = fut.result()
            done(i, r)
    finally:
        client.close()
