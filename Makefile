# The commands a newcomer needs (see README.md):
#   make demo   set up this machine if needed, then run gisrev on the bundled sample town
#   make notebooks  set up JupyterLab if needed, then open the planners' notebooks on the demo's database
#   make test   set up this machine if needed (browser, fonts), then lint, type-check and run the whole test suite
.PHONY: demo notebooks test lint bench

demo:
	@scripts/setup.sh
	.venv/bin/gisrev demo

notebooks:
	@scripts/setup.sh --notebooks
	scripts/notebooks.sh

test:
	@scripts/setup.sh --test
	.venv/bin/ruff check gisrev tests bench notebooks
	.venv/bin/mypy
	.venv/bin/lint-imports
	.venv/bin/python -m pytest $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check gisrev tests bench notebooks
	.venv/bin/mypy
	.venv/bin/lint-imports

bench:
	.venv/bin/python bench/load.py
	.venv/bin/python bench/analyze.py
	.venv/bin/python bench/map.py
	.venv/bin/python bench/tax.py
	.venv/bin/python bench/survey.py
	.venv/bin/python bench/whatif.py
	.venv/bin/python bench/explore.py
