#!/usr/bin/env bash
# Make (once) and reuse the project's virtual environment .venv from requirements.txt, with torch==2.13.0 pinned.
# Rebuilds only when requirements.txt changes. Needs only Python 3.11+ with venv and pip; no conda, no activation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
VENV=".venv"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "csir needs Python 3.11 or newer")'
  echo "[setup] creating $VENV with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing requirements.txt into $VENV (first run: a few minutes)" >&2
  log="$VENV/setup.log"
  { "$VENV/bin/python" -m pip install --upgrade pip \
    && "$VENV/bin/python" -m pip install -r requirements.txt \
    && "$VENV/bin/python" -m pip install --no-deps --no-build-isolation -e . ; } >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; echo "[setup] pip install failed; full log in $log" >&2; exit 1; }
  "$VENV/bin/python" -m pip check >&2
  "$VENV/bin/python" -m ipykernel install --prefix "$VENV" --name python3 --display-name "Python 3 (csir)" >/dev/null
  echo "$want" > "$STAMP"
fi

# Debian packages, where apt exists and we are root (CSIR_SKIP_APT=1 skips this step):
# - gold bilingual dictionaries (Debian FreeDict, both directions); the lexicon notebook says which are missing;
# - with CSIR_WITH_BROWSER=1 (./run_tests.sh), chromium, which a test opens the front page in.
freedict=(eng-ara eng-deu eng-ell eng-spa eng-fin eng-fra eng-hin eng-ind eng-ita eng-jpn eng-nld eng-por eng-rus
          eng-swh eng-tur ara-eng deu-eng ell-eng spa-eng fin-eng fra-eng ita-eng jpn-eng nld-eng por-eng
          swh-eng tur-eng)
missing=()
for name in "${freedict[@]}"; do [ -e "/usr/share/dictd/freedict-$name.index" ] || missing+=("dict-freedict-$name"); done
if [ "${CSIR_WITH_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null; then missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ] && [ "${CSIR_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "[setup] installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >/dev/null 2>&1 || echo "[setup] could not install ${missing[*]}; the notebooks and tests say what is missing" >&2
fi
