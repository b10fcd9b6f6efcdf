#!/usr/bin/env bash
# Speed of PainReview against ffmpeg's own decode, in one table: the shared clips and a generated
# 10-minute clip (memory must stay flat over it). Each row is one `painreview bench --two-stage` run:
# ffmpeg decode-only, our decode, the full pipeline and the two-stage APEX search, measured in the
# same process on the same clip. Short clips are measured in PAINREVIEW_BENCH_ROUNDS rounds (default 5;
# ffmpeg alone, full pipeline and two-stage interleaved) and the ratios are the medians of the rounds.
#   scripts/bench.sh [CLIP ...]      (default: the shared test clips and the 10-minute clip)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
cli=src/PainReview.Cli/bin/Release/net10.0/painreview.dll
data=${PAINREVIEW_TESTDATA:-../shared/testdata}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

clips=("$@")
if [ ${#clips[@]} -eq 0 ]; then
  for c in 2015-10-15-15-14.avi WolfgangLanger_Pexels.mp4 default.wmv; do
    [ -f "$data/$c" ] && clips+=("$data/$c")
  done
  # Ten minutes of a real face: the 28-second OpenFace sample looped, re-encoded as one MPEG-4 file.
  if [ -f "$data/2015-10-15-15-14.avi" ]; then
    echo "generating a 10-minute clip..." >&2
    ffmpeg -loglevel error -y -stream_loop 21 -i "$data/2015-10-15-15-14.avi" -t 600 -an -c:v mpeg4 -q:v 4 "$work/ten-minutes.avi"
    clips+=("$work/ten-minutes.avi")
  fi
fi
[ ${#clips[@]} -gt 0 ] || { echo "no clips: give some, or put the shared test data at $data" >&2; exit 2; }

for clip in "${clips[@]}"; do
  echo "bench: $(basename "$clip")" >&2
  rounds=${PAINREVIEW_BENCH_ROUNDS:-5}
  case "$clip" in */ten-minutes.avi) rounds=1 ;; esac
  dotnet "$cli" bench "$clip" --two-stage --rounds "$rounds" --json "$work/$(basename "$clip").json" >&2
done

python3 - "$work"/*.json <<'PY'
import json, sys
rows = [json.load(open(p)) for p in sys.argv[1:]]
head = f"{'clip':28}{'frames':>7}{'ffmpeg/s':>10}{'decode/s':>10}{'full/s':>9}{'full x':>8}{'cpu x':>7}{'2-stage/s':>11}{'2st x':>7}{'cpu x':>7}{'recall':>8}{'prec':>6}{'mesh':>6}{'whole s':>9}{'mem MiB first/last/peak':>26}"
print(head); print('-' * len(head))
for r in rows:
    t = r.get('twoStage') or {}
    mem = r['memory']; mib = lambda b: b / 1048576
    full_x = r.get('medianRatioToFfmpeg', r['ratioToFfmpeg'])
    two_x = r.get('twoStageMedianRatioToFfmpeg') or t.get('ratioToFfmpeg', 0)
    print(f"{r['clip'][:27]:28}{r['frames']:>7}{r['ffmpegFps']:>10.0f}{r['decodeFps']:>10.0f}{r['pipelineFps']:>9.0f}{full_x:>8.2f}{r['cpuRatioToFfmpeg']:>7.2f}"
          f"{t.get('fps', 0):>11.0f}{two_x:>7.2f}{t.get('cpuRatioToFfmpeg', 0):>7.2f}{t.get('recall', 0):>8.3f}{t.get('precision', 0):>6.2f}{t.get('meshPasses', 0):>6}{r['wholeProcess']['seconds']:>9.1f}"
          f"{mib(mem[0]['workingSetBytes']):>10.0f}/{mib(mem[-1]['workingSetBytes']):.0f}/{mib(r['peakWorkingSetBytes']):.0f}")
print(f"{rows[0]['cores']} cores; 'x' is the ratio to ffmpeg's decode-only frames/s in the same run (the median over its rounds; frames/s columns are the first round's); 'cpu x' the ratio of ffmpeg's"
      " decode-only CPU time per frame to ours (this process and its ffmpeg), which holds when other work shares the machine;"
      " 'prec' the two-stage APEX set's precision against the full pass, 'mesh' its face-mesh passes (samples and window frames, a sample reused in its window counted once)")
PY
