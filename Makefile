# Squall: `make demo` runs the main job on generated data, `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
export PATH := $(VENV)/bin:$(PATH)
export CMAKE := $(VENV)/bin/cmake
export PYO3_PYTHON := $(PY)
export VIRTUAL_ENV := $(VENV)
CARGO := cargo
# One profile everywhere: the bundled NetCDF/HDF5 C build is made once per profile.
PROFILE := --release

.PHONY: all build demo test test-rust test-python lint bench clean venv python

all: demo

$(VENV)/.ready:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet "cmake>=3.26" "maturin>=1.16,<2" pytest numpy xmlschema
	touch $@

# xarray and Dask for squall.io / squall.nowcasts.to_dataset / squall.dask; a separate marker so an existing venv gets them.
$(VENV)/.ready-xarray: $(VENV)/.ready
	$(VENV)/bin/pip install --quiet xarray "dask[distributed]" netCDF4 zarr
	touch $@

venv: $(VENV)/.ready $(VENV)/.ready-xarray

build: $(VENV)/.ready
	$(CARGO) build $(PROFILE) --workspace

demo: build
	./target/release/squall demo --out out

test: test-rust test-python

test-rust: $(VENV)/.ready
	$(CARGO) test $(PROFILE) --workspace

python: $(VENV)/.ready $(VENV)/.ready-xarray
	cd python && maturin develop --release --quiet

test-python: python
	$(PY) -c 'import xmlschema' 2>/dev/null || $(VENV)/bin/pip install --quiet xmlschema
	$(PY) -m pytest -q python/tests

lint: $(VENV)/.ready
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy $(PROFILE) --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc $(PROFILE) --no-deps --workspace

bench: $(VENV)/.ready
	$(CARGO) bench --workspace

clean:
	$(CARGO) clean
	rm -rf out python/squall/_squall*.so
