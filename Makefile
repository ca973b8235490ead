# Backprop by Hand: build the book, run its tests, work on its notebooks.
#
#   make book     virtual environment + npm packages + executed book in
#                 _build/html (each step skipped when already up to date)
#   make install  only the installation steps of `make book`
#   make test     everything `make book` does, then the whole test suite:
#                 unit tests, notebooks against their stored outputs
#                 (nbval) and the built pages in a browser with no network,
#                 then the notebooks again under narrowed numerics
#   make test-numerics  only that last run
#   make refresh  re-execute notebooks in place after an intentional change
#                 (all of book/, or NB=book/some.ipynb), widget state kept
#   make serve    serve _build/html on http://127.0.0.1:$(PORT)/
#   make lab      open the notebooks in JupyterLab
#   make screenshot  docs/stepper.png for the README, from the built book
#   make clean    remove the built book and its execution cache

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
NB ?= book/*.ipynb

# Chapters use the offline MNIST sample unless told otherwise, so the book
# is the same on every machine: `make book NNLIB_OFFLINE=0` lets them
# download full MNIST. Tests and refresh always run offline.
NNLIB_OFFLINE ?= 1
export NNLIB_OFFLINE

VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
VENDOR_STAMP := _vendor/.vendored

.PHONY: install book test test-numerics refresh serve lab screenshot clean

# --- installation (stamp files make repeated runs quick) -----------------

$(VENV_STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-r requirements.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR_STAMP): $(NODE_STAMP) $(VENV_STAMP) tools/vendor_js.py \
		$(wildcard tools/js/*.js tools/js/*.css) nnlib/book/widget_a11y.js
	$(BIN)/python tools/vendor_js.py
	touch $@

# Everything the book needs installed, without building it.
install: $(VENV_STAMP) $(VENDOR_STAMP)

# --- the book -------------------------------------------------------------

# Always handed to jupyter-book: it rebuilds only what changed and
# re-executes only notebooks whose code changed (execute_notebooks: cache).
book: install
	$(BIN)/jupyter-book build -W --keep-going .

# --- tests ----------------------------------------------------------------

# pytest with nbval: notebooks are compared with their stored outputs.
# norecursedirs keeps out _build's executed copies and .ipynb_checkpoints.
PYTEST := NNLIB_OFFLINE=1 $(BIN)/pytest -p no:cacheprovider \
	-o norecursedirs="_build .* node_modules" --nbval --nbval-current-env \
	--nbval-sanitize-with tests/nbval_sanitize.cfg

# Another machine computes the last bits of a float differently: its BLAS
# kernel, its SIMD width and its thread count change the order of sums.
# The second run narrows numpy to its baseline SIMD and BLAS to one
# thread (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE stay as the machine set
# them), so a stored output that hangs on rounding fails here.
NARROW_NUMERICS = NPY_DISABLE_CPU_FEATURES="$$($(BIN)/python \
	tools/narrow_numerics.py)" OPENBLAS_NUM_THREADS=1

# Two pytest runs: tests/ (including the browser tests, which use the
# book built above) with every notebook in book/, then the notebooks
# again under narrowed numerics.  Both run; either failing fails the
# target.  pytest exits 5 when it collected nothing: a failure here too.
test: book
	$(PYTEST) tests book; status=$$?; \
	$(MAKE) --no-print-directory test-numerics; numerics=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: no tests were collected"; fi; \
	if [ $$status -ne 0 ] || [ $$numerics -ne 0 ]; then exit 1; fi

test-numerics: book
	@echo "make test-numerics: NPY_DISABLE_CPU_FEATURES=\"$$($(BIN)/python \
		tools/narrow_numerics.py)\" OPENBLAS_NUM_THREADS=1"
	$(NARROW_NUMERICS) $(PYTEST) book; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test-numerics: no notebooks were collected"; fi; \
	exit $$status

# --- working on notebooks -------------------------------------------------

# Widget ids are made stable, so an unchanged notebook stays unchanged.
refresh: $(VENV_STAMP)
	NNLIB_OFFLINE=1 $(BIN)/python tools/refresh_notebooks.py $(NB)

serve:
	@test -f _build/html/index.html || \
		{ echo "No built book: run \`make book\` first."; exit 1; }
	$(BIN)/python -m http.server --bind 127.0.0.1 \
		--directory _build/html $(PORT)

# jupyter_server refuses to run as root unless told it may.
lab: $(VENV_STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 \
		$(if $(filter 0,$(shell id -u)),--allow-root,)

screenshot: book
	$(BIN)/python tools/screenshot_stepper.py docs/stepper.png

clean:
	rm -rf _build
