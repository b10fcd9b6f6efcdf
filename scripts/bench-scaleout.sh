#!/usr/bin/env bash
# Cohort throughput of the scale-out set-up on this machine: recordings analysed per minute with
# one worker process and with two, against a throw-away PostgreSQL, and the scaling ratio.
#   scripts/bench-scaleout.sh [SOURCE_VIDEO] [RECORDINGS] [SECONDS_EACH]
# Needs the Release build and the models (./test.sh or ./run.sh set them up).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source_video=${1:-../shared/testdata/2015-10-15-15-14.avi}
count=${2:-12}
seconds=${3:-10}
web_dll="$root/src/PainReview.Web/bin/Release/net10.0/PainReview.Web.dll"
[ -f "$web_dll" ] || { echo "error: build first (./test.sh or ./run.sh)" >&2; exit 1; }
[ -f "$source_video" ] || { echo "error: no such video: $source_video" >&2; exit 1; }

work=$(mktemp -d)
pids=()
eval "$(scripts/postgres.sh start 2>/dev/null)"
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; scripts/postgres.sh stop "$PAINREVIEW_PG_DIR"; rm -rf "$work"; }
trap cleanup EXIT
pg_port=$(sed 's/.*Port=\([0-9]*\).*/\1/' <<<"$PAINREVIEW_TEST_POSTGRES")
psql_db() { psql -qtA "host=127.0.0.1 port=$pg_port user=postgres dbname=$1" -c "$2"; }

echo "Preparing $count recordings of $seconds s from $(basename "$source_video")"
for i in $(seq 1 "$count"); do
  ffmpeg -v error -y -stream_loop -1 -i "$source_video" -t "$seconds" -an -c:v libx264 -preset ultrafast \
    -metadata comment="bench-$i-$RANDOM" "$work/clip-$i.mp4"
done
frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$work/clip-1.mp4")

run() {
  local workers=$1 db="bench_$1" port=$((30000 + RANDOM % 10000))
  psql_db postgres "CREATE DATABASE $db" >/dev/null
  local conn="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$db"
  local common=(env PainReview__DatabaseProvider=PostgreSql PainReview__JobStorage=PostgreSql "PainReview__Database=$conn"
    "PainReview__VideoStore=$work/videos-$workers" PAINREVIEW_MODELS="$root/models"
    PAINREVIEW_ADMIN_EMAIL=bench@example.org PAINREVIEW_ADMIN_PASSWORD=Bench-Password-1)
  "${common[@]}" PainReview__Role=web PainReview__DataDirectory="$work/web-$workers" dotnet "$web_dll" --urls "http://127.0.0.1:$port" >"$work/web-$workers.log" 2>&1 &
  pids+=($!)
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.5; done
  for w in $(seq 1 "$workers"); do
    "${common[@]}" PainReview__Role=worker PainReview__DataDirectory="$work/worker-$workers-$w" dotnet "$web_dll" --urls "http://127.0.0.1:$((port + w))" >"$work/worker-$workers-$w.log" 2>&1 &
    pids+=($!)
    until curl -fs "http://127.0.0.1:$((port + w))/healthz" >/dev/null 2>&1; do sleep 0.5; done
  done

  local study
  study=$(psql_db "$db" "INSERT INTO \"Studies\" (\"Id\",\"Name\",\"IsDemo\",\"CreatedUtc\",\"CreatedBy\") VALUES (gen_random_uuid(),'Benchmark',false,now(),'bench') RETURNING \"Id\"" | head -1)
  psql_db "$db" "INSERT INTO \"Participants\" (\"Id\",\"StudyId\",\"Code\",\"CreatedUtc\") VALUES (gen_random_uuid(),'$study','B-01',now())" >/dev/null

  local jar="$work/cookies-$workers" token
  token=$(curl -s -c "$jar" "http://127.0.0.1:$port/Account/Login" | sed -n 's/.*name="__RequestVerificationToken" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null "http://127.0.0.1:$port/Account/Login" \
    --data-urlencode "_handler=login" --data-urlencode "__RequestVerificationToken=$token" \
    --data-urlencode "Input.Email=bench@example.org" --data-urlencode "Input.Password=Bench-Password-1"

  local start end done_count=0
  start=$(date +%s.%N)
  for i in $(seq 1 "$count"); do
    curl -s -b "$jar" -H "X-PainReview-Api: 1" -F participant=B-01 -F vas=5 -F "file=@$work/clip-$i.mp4" \
      "http://127.0.0.1:$port/api/studies/$study/recordings" -o /dev/null
  done
  while [ "$done_count" -lt "$count" ]; do
    sleep 0.5
    done_count=$(psql_db "$db" "SELECT count(*) FROM \"Recordings\" WHERE \"Status\" = 'Completed'")
    failed=$(psql_db "$db" "SELECT count(*) FROM \"Recordings\" WHERE \"Status\" = 'Failed'")
    [ "$failed" -eq 0 ] || { echo "error: $failed recordings failed" >&2; exit 1; }
  done
  end=$(date +%s.%N)
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  pids=()
  awk -v c="$count" -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", c / ((e - s) / 60) }'
}

echo "cpu cores: $(nproc); each recording $frames frames"
one=$(run 1)
echo "1 worker : $one recordings/min"
two=$(run 2)
echo "2 workers: $two recordings/min"
awk -v a="$one" -v b="$two" 'BEGIN { printf "scaling ratio (2 workers / 1 worker): %.2f\n", b / a }'
