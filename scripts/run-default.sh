#!/usr/bin/env bash
# The embedded default run (`make run`): SQLite, in-memory channel layer, in-process worker, and
# the bundled SimplyPrint simulator feeding it over real HTTP and real webhooks.
#
# Environment (all optional): PRINTFARM_HOST/PRINTFARM_PORT (127.0.0.1:8000), SIMULATOR_PORT
# (8100), SIMULATOR_PRINTERS (12), SIMULATOR_PACE (60: prints and gaps 60x shorter, while every
# timestamp stays the wall clock's), SIMULATOR_SPEED (1 simulated second per second),
# PRINTFARM_SIMULATOR=0 to use the SimplyPrint account in SIMPLEPRINT_* instead.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE=config.settings.dev
export PRINTFARM_VAR_DIR="${PRINTFARM_VAR_DIR:-$PWD/var}"
HOST="${PRINTFARM_HOST:-127.0.0.1}"
PORT="${PRINTFARM_PORT:-8000}"
SIM_PORT="${SIMULATOR_PORT:-8100}"
USE_SIMULATOR="${PRINTFARM_SIMULATOR:-1}"
mkdir -p "$PRINTFARM_VAR_DIR"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done
  echo "❌ nothing answers on port $1 ($2 did not start; see the lines above)" >&2; exit 1
}
for port in "$PORT" $([ "$USE_SIMULATOR" = 1 ] && echo "$SIM_PORT"); do
  if port_open "$port"; then
    echo "❌ port $port is already in use: stop what runs there or set PRINTFARM_PORT/SIMULATOR_PORT" >&2
    exit 1
  fi
done

# This install's webhook secret, made once: SimplyPrint (here the simulator) sends it back.
if [ -z "${SIMPLEPRINT_WEBHOOK_SECRET:-}" ]; then
  secret_file="$PRINTFARM_VAR_DIR/webhook-secret"
  if [ ! -s "$secret_file" ]; then
    (umask 077; python -c 'import secrets; print(secrets.token_hex(32))' > "$secret_file")
  fi
  SIMPLEPRINT_WEBHOOK_SECRET="$(cat "$secret_file")"
  export SIMPLEPRINT_WEBHOOK_SECRET
fi
export SIMPLEPRINT_PUBLIC_URL="${SIMPLEPRINT_PUBLIC_URL:-http://$HOST:$PORT}"

pids=()
cleanup() {
  trap - EXIT INT TERM
  say "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

say "📦 Preparing the database ($PRINTFARM_VAR_DIR)"
python manage.py migrate --no-input -v 0

if [ "$USE_SIMULATOR" = 1 ]; then
  export SIMPLEPRINT_BASE_URL="http://127.0.0.1:$SIM_PORT"
  export SIMPLEPRINT_COMPANY_ID="${SIMPLEPRINT_COMPANY_ID:-1}"
  export SIMPLEPRINT_API_KEY="${SIMPLEPRINT_API_KEY:-simulator-key}"
  say "🖨️  Starting the SimplyPrint simulator on 127.0.0.1:$SIM_PORT"
  (exec python -m simulator --host 127.0.0.1 --port "$SIM_PORT" \
      --company-id "$SIMPLEPRINT_COMPANY_ID" --api-key "$SIMPLEPRINT_API_KEY" \
      --printers "${SIMULATOR_PRINTERS:-12}" --speed "${SIMULATOR_SPEED:-1}" \
      --pace "${SIMULATOR_PACE:-60}" \
      --log-level warning) &
  pids+=($!)
  wait_port "$SIM_PORT" "the simulator"
fi

say "🚀 Starting printfarm on http://$HOST:$PORT"
(exec python manage.py serve --host "$HOST" --port "$PORT" \
    --access-log "$PRINTFARM_VAR_DIR/access.log") &
pids+=($!)
wait_port "$PORT" "the server"

say "🔗 Registering the webhook"
python manage.py register_webhooks --url "$SIMPLEPRINT_PUBLIC_URL" || \
  echo "⚠️  registration failed: the page falls back to polling (see the lines above)"

say "🔄 First full sync"
python manage.py sync_simpleprint || echo "⚠️  first sync failed: see the lines above"

say "✅ printfarm is running"
python manage.py ensure_demo_user
cat <<INFO

  Planning page:  http://$HOST:$PORT/planning-v2/
  API:            http://$HOST:$PORT/api/v1/simpleprint/webhook/test/   (docs: /api/docs/)
  Admin:          http://$HOST:$PORT/admin/

  Press Ctrl+C to stop.
INFO
wait -n "${pids[@]}"
