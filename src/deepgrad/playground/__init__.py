"""The playground: deepgrad's optimizers and a small network learning live in the browser.

    deepgrad playground            # serves http://127.0.0.1:8000/ and opens it

Two tabs: error surfaces (every lab problem, every optimizer with its hyperparameters as
sliders, paths from ``deepgrad.lab.run``) and a network (the TensorFlow Playground's
datasets and controls, trained by ``Sequential.fit`` one epoch at a time). All the maths runs
here in Python with deepgrad's own objects; the page (``static/``, plain HTML/CSS/JS) only
draws. See ``docs/playground.md``.

* :mod:`~deepgrad.playground.server`   HTTP server, routes, static files
* :mod:`~deepgrad.playground.params`   the page's settings checked; optimizers built
* :mod:`~deepgrad.playground.surface`  error-surface grid and paths; divergence
* :mod:`~deepgrad.playground.datasets` the 2-D datasets and features
* :mod:`~deepgrad.playground.network`  the network run (model, epochs, what is drawn)
* :mod:`~deepgrad.playground.sessions` one run per page, streamed; stops when the page goes
* :mod:`~deepgrad.playground.export`   runnable script + weights
* :mod:`~deepgrad.playground.cli`      ``deepgrad playground``
"""

__all__ = ["make_server"]


def make_server(host="127.0.0.1", port=8000, allow_remote=False):
    """See :func:`deepgrad.playground.server.make_server` (imported on first use)."""
    from .server import make_server as _make
    return _make(host, port, allow_remote)
