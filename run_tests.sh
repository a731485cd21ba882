#!/usr/bin/env bash
# Run the test suite (unit tests, CLI, every notebook in the smoke profile, run_all.sh --profile smoke).
#   ./run_tests.sh [pytest arguments, e.g. -m "not slow" or -k lexicon]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
CSIR_WITH_BROWSER=1 scripts/bootstrap.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 PYTHONHASHSEED=0 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m pytest "$@"
