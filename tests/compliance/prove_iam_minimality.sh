#!/usr/bin/env bash
# The whole IAM minimality proof: every generated policy, every action (CI proves apply's on a
# subset, APPLY_CI_ACTIONS, to keep the suite fast). About 2-3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
SESCTL_IAM_PROOF=full exec .venv/bin/pytest -q -n 0 tests/compliance/test_iam_policies.py "$@"
