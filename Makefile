# The two commands of the README are `make demo` and `make test`.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.sardine-setup
export QT_QPA_PLATFORM ?= offscreen
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test lint typecheck package clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml scripts/setup.sh
	@bash scripts/setup.sh
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/sardine demo --out out

lint: setup
	$(VENV)/bin/ruff check .

# mypy over core/ (config in pyproject.toml). The package is the repository root, so mypy
# sees it through a temporary `sardine` link; its cache stays out of the checkout.
typecheck: setup
	@tmp=$$(mktemp -d) && ln -s "$(CURDIR)" "$$tmp/sardine" && \
	  (cd "$$tmp" && MYPYPATH="$$tmp" "$(CURDIR)/$(VENV)/bin/mypy" \
	    --config-file "$(CURDIR)/pyproject.toml" --cache-dir "$$tmp/.mypy_cache" -p sardine.core); \
	  rc=$$?; rm -rf "$$tmp"; exit $$rc

# pytest-qgis keeps a QGIS profile in pytest's rootdir: point that at a temporary folder
# so a test run writes nothing into the checkout. Two worker processes (pytest-xdist), each
# with its own QGIS: most tests use one core, so two of them fill a 2-core machine
# (3.5 instead of 5.5 minutes).
TEST_WORKERS ?= 2
# The Install-button wheels fetched by setup (an offline pip run in the tests).
test: lint typecheck
	@tmp=$$(mktemp -d) && \
	  SARDINE_WHEELHOUSE=$$( [ -d $(VENV)/wheelhouse ] && echo "$(CURDIR)/$(VENV)/wheelhouse" ) \
	  $(VENV)/bin/pytest -c pyproject.toml --rootdir "$$tmp" tests -q \
	  -n $(TEST_WORKERS); rc=$$?; rm -rf "$$tmp"; exit $$rc

package: setup
	$(PY) scripts/package.py --out dist

clean:
	rm -rf dist out build *.egg-info
