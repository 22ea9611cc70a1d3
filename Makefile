# eligex — every target sets itself up: venv, pinned dependencies, the built pipeline.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
ELIGEX := $(VENV)/bin/eligex
STAMP  := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.spark-installed
MODEL  := models/eligex
RULES  := $(wildcard configs/*.json configs/*.jsonl configs/*.cfg configs/entities/*.jsonl)
SRC    := $(shell find pipeline -name "*.py" -o -name "*.json")

.PHONY: demo test test-fast model spark eval clean doccano doccano-stop test-doccano

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(MODEL)/config.cfg: $(STAMP) $(RULES) $(SRC)
	$(ELIGEX) build -o $(MODEL)

model: $(MODEL)/config.cfg

## make spark: the optional Spark engine (pyspark from requirements-spark.lock, Java 17 if missing)
$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	bash scripts/install-java
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-spark.lock
	touch $(SPARK_STAMP)

spark: $(SPARK_STAMP)

## make demo: extract the bundled sample trials and print their constraints
demo: model
	@mkdir -p out
	$(ELIGEX) extract annotations/seeds -o out/seeds.jsonl --table

## make test: validate the rule files, then run the whole test suite
test: model spark
	bash scripts/install-browser
	$(ELIGEX) rules validate --examples
	$(PY) -m pytest -q

test-fast: model
	$(PY) -m pytest -q -m "not slow and not doccano and not browser and not spark"

## make eval: score the pipeline on our gold and on the LCT corpus
eval: model
	@mkdir -p out
	$(ELIGEX) evaluate --gold annotations/gold/seeds.jsonl --json out/eval-seeds.json
	$(ELIGEX) evaluate --gold annotations/external/lct --format brat-lct --json out/eval-lct.json --report out/eval-lct.html
	$(PY) scripts/lct_results.py
	$(ELIGEX) evaluate --gold annotations/gold/ctgov-2021 --json out/eval-ctgov-gold.json --report out/eval-ctgov-gold.html
	$(ELIGEX) evaluate --gold annotations/segmentation --format segmentation --json out/eval-segmentation.json
	@if [ -f ../shared/corpora/ctgov-2021/criteria.jsonl.gz ]; then \
	  $(ELIGEX) extract ../shared/corpora/ctgov-2021/criteria.jsonl.gz -o out/ctgov-2021.jsonl -n 2 -q || echo "some trials failed: out/ctgov-2021.errors.jsonl"; \
	  $(ELIGEX) coverage out/ctgov-2021.jsonl --html out/coverage-ctgov.html --json out/coverage-ctgov.json --top 10; \
	  $(PY) scripts/segmentation_stats.py ../shared/corpora/ctgov-2021/criteria.jsonl.gz; fi

## make doccano: start the local annotation server (prints its URL)
doccano:
	scripts/doccano-server install
	scripts/doccano-server start

doccano-stop:
	scripts/doccano-server stop

test-doccano: model
	$(PY) -m pytest -q -m doccano tests/integration

clean:
	rm -rf $(VENV) $(MODEL) out .pytest_cache
