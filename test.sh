#!/usr/bin/env bash
# Set up and run every test (unit, integration on real clips and models, CLI).
# Test data comes from ../shared/testdata or $PAINREVIEW_TESTDATA; without it the tests that
# need it skip with a message, except under CI=true where missing data fails the run.
set -euo pipefail
cd "$(dirname "$0")"
PAINREVIEW_SETUP_BROWSER=1 scripts/setup.sh
# A throw-away PostgreSQL cluster for the scale-out tests, stopped whatever happens.
eval "$(scripts/postgres.sh start)"
results=$(mktemp -d)
trap 'scripts/postgres.sh stop "$PAINREVIEW_PG_DIR"; rm -rf "$results"' EXIT
status=0
# One test project at a time (-m:1): the browser tests time real pages and the session tests real
# intervals, and on a 2-core machine the pipeline's two lanes in another project starve them.
dotnet test PainReview.sln -c Release --no-build -nologo -m:1 \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?
# One closing line that any CI reader understands.
cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*' | awk '
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
  END { printf "%d passed, %d failed, %d skipped\n", c["passed"], c["failed"] + c["error"], c["notExecuted"] }'
exit $status
