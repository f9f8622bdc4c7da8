"""The error-surface endpoints: the paths are ``deepgrad.lab.run``'s, exactly."""

import numpy as np

from deepgrad import lab, optimizers
from deepgrad.playground import surface


def test_paths_equal_lab_run_exactly(client):
    # the same optimizer objects the endpoint builds from the sliders, run by lab.run here
    status, d = client.json("/api/paths?problem=rosenbrock&steps=150&start=-1.5,2"
                            "&optimizers=momentum,adam,rmsprop&momentum.lr=0.001&momentum.momentum=0.8"
                            "&adam.lr=0.05&adam.beta_1=0.8&rmsprop.lr=0.01&rmsprop.rho=0.95")
    assert status == 200
    expected = {
        "momentum": optimizers.SGD(learning_rate=0.001, momentum=0.8, nesterov=False),
        "adam": optimizers.Adam(learning_rate=0.05, beta_1=0.8, beta_2=0.999, epsilon=1e-8),
        "rmsprop": optimizers.RMSprop(learning_rate=0.01, rho=0.95, epsilon=1e-8),
    }
    assert [p["name"] for p in d["paths"]] == list(expected)
    for path in d["paths"]:
        t = lab.run("rosenbrock", expected[path["name"]], 150, start=(-1.5, 2.0))
        # JSON carries Python floats by repr: the round trip is exact
        assert np.array_equal(np.array(path["points"]), t.points)
        assert np.array_equal(np.array(path["losses"]), t.losses)
        assert np.array_equal(np.array(path["grad_norms"]), t.grad_norms)


def test_minibatch_path_on_a_data_problem_equals_lab_run(client):
    status, d = client.json("/api/paths?problem=sparse&steps=60&batch=7&optimizers=adagrad"
                            "&adagrad.lr=0.5&adagrad.initial_accumulator_value=0.1")
    assert status == 200
    t = lab.run("sparse", optimizers.Adagrad(learning_rate=0.5, initial_accumulator_value=0.1,
                                             epsilon=1e-8), 60, batch_size=7)
    assert np.array_equal(np.array(d["paths"][0]["points"]), t.points)


def test_divergence_is_reported_with_its_step(client):
    # SGD at rate 0.1 on Rosenbrock from (-1.2, 1): the gradient there is about (-215, -88),
    # so the first step lands near x = 20, where the loss is ~1e7 times the start loss (24.2)
    status, d = client.json("/api/paths?problem=rosenbrock&steps=50&optimizers=sgd,adam&sgd.lr=0.1")
    sgd, adam = d["paths"]
    assert sgd["diverged_at"] is not None and sgd["diverged_at"] <= 2
    assert adam["diverged_at"] is None


def test_diverged_at_rules():
    p = lab.get_problem("bowl")
    calm = lab.run(p, "sgd", 20, learning_rate=0.1)
    assert surface.diverged_at(calm, p) is None
    # rate 1.5 on x^2 + xy + y^2: the Hessian's eigenvalues are 1 (along (1,-1)) and 3 (along
    # (1,1)); from (2.5, -1) (loss 4.75) the steep component grows |1 - 1.5*3| = 3.5x per step and
    # the loss ~1.7 * 12.25^k. The lab's rule (loss > 1e6 * max(1, 4.75) = 4.75e6) first holds at
    # k = 6 (1.7 * 12.25^5 = 4.7e5, 1.7 * 12.25^6 = 5.7e6); the point stays far inside 1e6.
    wild = lab.run(p, "sgd", 40, learning_rate=1.5)
    assert surface.diverged_at(wild, p) == wild.diverged_at == 6


def test_surface_grid_matches_the_problem(client):
    status, d = client.json("/api/surface?problem=bowl&grid=11")
    assert status == 200 and d["n"] == 11
    p = lab.get_problem("bowl")
    # rows run from the top (y = 3) down; the middle of the grid is the minimum (0, 0)
    assert d["z"][5][5] == 0.0
    assert d["z"][0][0] == p.value((-3.0, 3.0))
    assert sorted(d["levels"]) == d["levels"]
