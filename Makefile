# The two quick-start commands (`make ask`, `make test`) each do their own set-up, quietly:
# pip's output goes to $(LOG), named on the one line set-up prints.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
LOG    := $(VENV)/setup.log
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check --constraint constraints.txt
Q      ?= what did Kishida say
# What the README's commands use (index, ask, serve), and what the suite uses besides (eval,
# scale, docs, test, lint): `make ask` never waits for Ray or Milvus.
SETUP  := $(VENV)/.setup
DEV    := $(VENV)/.dev

.PHONY: setup dev ask test lint docs index serve browser clean

setup: $(SETUP)
dev: $(DEV)

$(VENV)/bin/python:
	@$(PYTHON) -m venv $(VENV)

# torch is installed first and pinned here (not in pyproject): 2.13.0 is the CPU build
# this machine carries; letting pip resolve torch itself pulls a multi-GB CUDA build.
$(SETUP): pyproject.toml constraints.txt | $(VENV)/bin/python
	@echo "installing newsdex into $(VENV) (CPU torch, then newsdex[server]); pip's output: $(LOG)"
	@$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0 >>$(LOG) 2>&1 \
		|| { tail -n 20 $(LOG); exit 1; }
	@$(PIP) -e '.[server]' >>$(LOG) 2>&1 || { tail -n 20 $(LOG); exit 1; }
	@touch $@

$(DEV): $(SETUP)
	@echo "installing the test, lint and docs tools and the eval and scale extras; pip's output: $(LOG)"
	@$(PIP) -e '.[dev]' >>$(LOG) 2>&1 || { tail -n 20 $(LOG); exit 1; }
	@touch $@

ask: setup
	@$(VENV)/bin/ask "$(Q)"

index: setup
	$(VENV)/bin/newsdex index

test: lint browser docs
	$(PY) -m pytest -q

# mypy cannot follow pyproject's package-dir mapping (newsdex.index lives in index/), so it
# checks a throwaway tree of links laid out as the installed package: build/typecheck/newsdex/.
TYPECHECK := build/typecheck
lint: dev
	$(VENV)/bin/ruff check .
	rm -rf $(TYPECHECK)/newsdex && mkdir -p $(TYPECHECK)/newsdex
	for f in newsdex/*.py; do ln -s "$(CURDIR)/$$f" $(TYPECHECK)/newsdex/; done
	for d in index search api; do ln -s "$(CURDIR)/$$d" $(TYPECHECK)/newsdex/$$d; done
	cd $(TYPECHECK) && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml -p newsdex

# The documentation site (mkdocs.yml): the HTTP API and settings references are generated
# from the code first (newsdex/reference.py), then built offline; --strict turns a broken
# link into a failure. The site is in build/site/.
docs: dev
	$(PY) -m newsdex.reference docs/reference
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# The page's test drives Debian's chromium through Playwright (never `playwright install`).
browser:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

serve: setup
	$(VENV)/bin/newsdex serve

clean:
	rm -rf .newsdex .pytest_cache build/typecheck build/site
