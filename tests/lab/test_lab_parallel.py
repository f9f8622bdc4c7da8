"""Parallel runner: joblib processes and a Dask cluster give the same results as a serial run."""

import pytest

from deepgrad.lab import parallel, sweep


def _tasks():
    # (problem, optimizer, lr, steps, start, batch_size, stage): the sweep's own task tuples
    return [("bowl", name, lr, 20, None, None, "coarse")
            for name in ("sgd", "adam") for lr in (0.01, 0.1)]


def _key(points):
    return [(p.optimizer, p.learning_rate, p.final_loss, p.steps_to_tol) for p in points]


def test_serial_results_in_task_order_and_callback_per_result():
    seen = []
    res = parallel.run_tasks(sweep._one, _tasks(), on_result=lambda i, r: seen.append(i))
    assert sorted(seen) == [0, 1, 2, 3]
    assert [(p.optimizer, p.learning_rate) for p in res] == [(t[1], t[2]) for t in _tasks()]


def test_joblib_processes_match_serial():
    serial = parallel.run_tasks(sweep._one, _tasks())
    seen = []
    par = parallel.run_tasks(sweep._one, _tasks(), jobs=2, on_result=lambda i, r: seen.append(i))
    assert _key(par) == _key(serial)
    assert sorted(seen) == [0, 1, 2, 3]


def test_each_task_runs_with_one_blas_thread():
    from threadpoolctl import threadpool_info
    info = parallel.pinned(lambda _: threadpool_info(), None)
    assert all(pool["num_threads"] == 1 for pool in info)


def test_dask_local_cluster_matches_serial():
    distributed = pytest.importorskip("dask.distributed")
    serial = parallel.run_tasks(sweep._one, _tasks())
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        seen = []
        res = parallel.run_tasks(sweep._one, _tasks(), scheduler=cluster.scheduler_address,
                                 on_result=lambda i, r: seen.append(i))
    assert _key(res) == _key(serial)
    assert sorted(seen) == [0, 1, 2, 3]


def test_jobs_must_be_positive():
    with pytest.raises(ValueError, match="jobs"):
        parallel.run_tasks(sweep._one, _tasks(), jobs=0)
