#!/usr/bin/env bash
# Set up (only the first run does real work) and run PainReview.
#   ./run.sh                 start the portal on http://localhost:5000 (embedded SQLite and job storage)
#   ./run.sh COMMAND ...     run a painreview command instead (analyze, plot, cohort, frame, bench, models)
#   ./run.sh VIDEO           shorthand for: analyze VIDEO --out VIDEO.frames.csv
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/scripts/setup.sh" >&2
export PAINREVIEW_MODELS="${PAINREVIEW_MODELS:-$here/models}"

if [ $# -eq 0 ]; then
  web="$here/src/PainReview.Web/bin/Release/net10.0"
  cd "$web"
  exec dotnet PainReview.Web.dll --urls "${PAINREVIEW_URLS:-http://localhost:5000}" \
    --PainReview:DataDirectory="${PAINREVIEW_DATA:-$here/data}"
fi

if [ -e "$1" ]; then
  video=$(realpath "$1"); shift
  args=(analyze "$video")
  [[ " $* " == *" --out "* || " $* " == *" -o "* ]] || args+=(--out "${video%.*}.frames.csv")
  set -- "${args[@]}" "$@"
fi
exec dotnet "$here/src/PainReview.Cli/bin/Release/net10.0/painreview.dll" "$@"
