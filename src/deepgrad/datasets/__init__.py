"""Datasets read from local files (never downloaded), with Keras's ``load_data()`` API."""

from . import fashion_mnist, mnist
from .adding_problem import adding_problem
