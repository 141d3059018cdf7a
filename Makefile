# The two commands of the README are `make demo` and `make test`.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.sardine-setup
export QT_QPA_PLATFORM ?= offscreen
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test lint package clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml scripts/setup.sh
	@bash scripts/setup.sh
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/sardine demo --out out

lint: setup
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest -q

package: setup
	$(PY) scripts/package.py --out dist

clean:
	rm -rf dist out build *.egg-info
