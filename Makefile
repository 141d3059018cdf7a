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

# pytest-qgis keeps a QGIS profile in pytest's rootdir: point that at a temporary folder
# so a test run writes nothing into the checkout.
test: lint
	@tmp=$$(mktemp -d) && $(VENV)/bin/pytest -c pyproject.toml --rootdir "$$tmp" tests -q; \
	  rc=$$?; rm -rf "$$tmp"; exit $$rc

package: setup
	$(PY) scripts/package.py --out dist

clean:
	rm -rf dist out build *.egg-info
