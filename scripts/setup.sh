#!/usr/bin/env bash
# Installs what PainReview needs, builds it and fetches the face models. Safe to run again:
# each step checks first and does nothing when its work is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "error: '$*' needs root; run it as root or install sudo." >&2; exit 1
  fi
}

# Debian packages: ffmpeg (decoding), npm (the models come from npm packages), fonts for the
# pictures we draw, sqlite3 (the audit-trail tests tamper with a database the way a person would).
# Browser tests add chromium (PAINREVIEW_SETUP_BROWSER=1).
need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need+=(fonts-liberation)
if [ "${PAINREVIEW_SETUP_BROWSER:-0}" = 1 ]; then command -v chromium >/dev/null 2>&1 || need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then
  log "Installing Debian packages: ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v dotnet >/dev/null 2>&1 || { echo "error: the .NET 10 SDK is required (dotnet not found)." >&2; exit 1; }

log "Building PainReview (Release)"
dotnet build PainReview.sln -c Release -nologo -v q -clp:ErrorsOnly

log "Face models"
dotnet src/PainReview.Cli/bin/Release/net10.0/painreview.dll models fetch --dir "${PAINREVIEW_MODELS:-models}"
