#!/usr/bin/env bash
# Set up (only the first run does real work) and run PainReview.
#   ./run.sh VIDEO [--out FRAMES.csv]   analyse a video; the CSV lands next to it by default
#   ./run.sh COMMAND ...                any painreview command (analyze, frame, bench, models, ...)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
  echo "usage: ./run.sh VIDEO [--out FRAMES.csv]   or   ./run.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [ -e "$1" ]; then
  video=$(realpath "$1"); shift
  args=(analyze "$video")
  [[ " $* " == *" --out "* || " $* " == *" -o "* ]] || args+=(--out "${video%.*}.frames.csv")
  set -- "${args[@]}" "$@"
fi
"$here/scripts/setup.sh" >&2
export PAINREVIEW_MODELS="${PAINREVIEW_MODELS:-$here/models}"
exec dotnet "$here/src/PainReview.Cli/bin/Release/net10.0/painreview.dll" "$@"
