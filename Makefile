# Two entry points: `make demo` (analyze examples/ into out/) and `make test` (lint, types, tests).
# Both build .venv from scratch when it is missing; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv browser clean

# The whole tree is kept in `ruff format` style.
FORMATTED := src tests

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU wheel of torch lies on local disk; ask for it by exact version first so that
	# nothing later resolves a CUDA build from the registry.
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	touch $(STAMP)

# The story stage's fast sentence encoder: a model2vec static model distilled from the bundled
# MiniLM, offline, in about a minute (no model download). Without it newsdesk falls back to MiniLM.
ENCODER := src/newsdesk/data/static_minilm/model.safetensors
$(ENCODER): $(STAMP)
	HF_HUB_OFFLINE=1 TQDM_DISABLE=1 $(BIN)/python -m newsdesk.stories build-encoder $(dir $(ENCODER)) 128

venv: $(STAMP) $(ENCODER)

demo: $(STAMP) $(ENCODER)
	$(BIN)/newsdesk analyze examples --db out/newsdesk.db --out out

# Debian's Chromium drives the web UI's end-to-end tests; installed here when we may (root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed and this is not root: the browser tests will be skipped"; fi; }

# ruff (lint everywhere, format where applied) and mypy (strict on the analysis package, the
# store and the pipeline: see [tool.mypy] in pyproject.toml), as CI runs them.
lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check $(FORMATTED)
	$(BIN)/mypy

test: lint $(ENCODER) browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) out newsdesk.db $(dir $(ENCODER))
