#!/bin/sh
# Interoperability with AWS's amazon-s3-encryption-client-python 4 (module s3_encryption).
# It pins cryptography 48, so it gets a virtualenv of its own; the lab's engine is
# imported from this checkout through PYTHONPATH.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV=${CSE_INTEROP_VENV:-/tmp/cse-interop}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet \
    "amazon-s3-encryption-client-python==4.0.0" "awscrt==0.38.1" "pytest==9.2.0"
cd "$ROOT"
PYTHONPATH="$ROOT:$ROOT/tests/vectors" exec "$VENV/bin/python" -m pytest -c "$HERE/pytest.ini" --rootdir "$HERE" "$HERE" "$@"
