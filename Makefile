# The two set-up commands of the README: `make run` and `make test`.
# Each creates .venv on a fresh machine; nothing needs installing by hand.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# PyTorch is a test-only peer for parity tests; this exact pin resolves to the CPU wheel.
TORCH  := torch==2.13.0

.PHONY: run test venv bench clean figures notebook

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[plot,io,parallel]"
	touch $@

$(VENV)/.test: $(VENV)/.base pyproject.toml
	$(PIP) install -q -e ".[test]"
	$(PIP) install -q $(TORCH)
	touch $@

venv: $(VENV)/.base

# The main job on the embedded data: the notes' MLP trained once (summary, progress bar, test
# accuracy), then once per optimizer call of the notes (figure, table, histories in runs/compare).
run: $(VENV)/.base
	$(VENV)/bin/deepgrad train --epochs 3
	$(VENV)/bin/deepgrad compare --epochs 2 --out runs/compare

test: $(VENV)/.test
	$(VENV)/bin/ruff check src tests benchmarks scripts examples
	$(PY) -m pytest

# Every picture in docs/images/, from the commands shown beside it in docs/.
figures: $(VENV)/.base
	$(PY) scripts/lab_figures.py
	$(PY) scripts/notes_figures.py

# Jupyter on the notebooks, one per deck of the notes.
notebook: $(VENV)/.base
	$(PIP) install -q -e ".[notebook]"
	$(VENV)/bin/jupyter notebook notebooks/

bench: $(VENV)/.test
	$(PY) benchmarks/mlp.py
	$(PY) benchmarks/optimizers.py
	$(PY) benchmarks/recurrent.py

clean:
	rm -rf $(VENV) runs .pytest_cache
