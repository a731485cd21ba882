#!/usr/bin/env bash
# Regenerate every table, figure and HTML report under results/<profile>/.
#   ./run_all.sh [--profile smoke|demo|paper] [--only NOTEBOOK ...] [--force] [--set section.key=value ...]
#   ./run_all.sh --plan [--profile P] [--set ...]: what the run would fetch and build, estimated times; runs nothing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [[ " $* " == *" --plan "* && -x .venv/bin/python ]]; then  # a plan installs, downloads and computes nothing
  exec .venv/bin/python -m csir_lib.pipeline "$@"
fi
scripts/bootstrap.sh
export PYTHONHASHSEED=0 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m csir_lib.pipeline "$@"
