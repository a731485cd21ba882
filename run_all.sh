#!/usr/bin/env bash
# Regenerate every table, figure and HTML report under results/<profile>/.
#   ./run_all.sh [--profile smoke|demo|paper] [--only NOTEBOOK ...] [--force] [--set section.key=value ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/bootstrap.sh
export PYTHONHASHSEED=0 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m csir_lib.pipeline "$@"
