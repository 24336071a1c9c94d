#!/usr/bin/env bash
# Contract test: the built server on a free port over a fresh data dir, checked by schemathesis
# against generated/openapi.json with every check and the stateful phase. Called by `make contract`
# (after the build). Extra arguments are passed to `schemathesis run` (e.g. --include-path-regex).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
ST="$ROOT/.venv/bin/schemathesis"
[[ -x "$ST" ]] || { echo "schemathesis is missing: run 'make .venv/.stamp'" >&2; exit 2; }
[[ -f dist/cli.js ]] || node scripts/build.mjs

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keyhaven-contract-XXXXXX")"
DATA="$WORK/data"
LOG="$WORK/server.log"
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""

cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f "$LOG" ]]; then
    echo "--- server errors (from $LOG) ---" >&2
    grep -E '"level":(50|60)' "$LOG" | tail -n 40 >&2 || true
  fi
  [[ -n "${KEEP_CONTRACT_DIR:-}" ]] || rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

# Limits are raised so that fuzzing exercises the handlers rather than the rate limiter;
# 429 itself is still documented and checked wherever it occurs.
export KEYHAVEN_VALIDATE_RESPONSES=1
export KEYHAVEN_LOG_LEVEL="${KEYHAVEN_LOG_LEVEL:-warn}"
export KEYHAVEN_LOGIN_ATTEMPTS_IP=1000000 KEYHAVEN_LOGIN_ATTEMPTS_ACCOUNT=1000000 KEYHAVEN_REGISTER_ATTEMPTS_IP=1000000
export KEYHAVEN_ARGON2_MEMORY_KIB="${KEYHAVEN_ARGON2_MEMORY_KIB:-19456}"
node bin/keyhaven.mjs serve --port "$PORT" --host 127.0.0.1 --data "$DATA" >"$LOG" 2>&1 &
SERVER_PID=$!

for _ in $(seq 600); do  # up to 60 s: a loaded 2-core machine starts slowly
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:" >&2; cat "$LOG" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null

# Credentials: a user registered through the API and made a server administrator with the CLI,
# and the M2M application of `keyhaven init`. Schemathesis signs in with them (schemathesis.toml).
export KH_EMAIL="contract-admin@keyhaven.test"
export KH_PASSWORD="contract-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
curl -fsS "$BASE/api/app/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$KH_EMAIL\",\"password\":\"$KH_PASSWORD\",\"full_name\":\"Contract Admin\"}" >/dev/null
node bin/keyhaven.mjs admin grant --data "$DATA" --email "$KH_EMAIL" >/dev/null
INIT="$(node bin/keyhaven.mjs init --data "$DATA" --issuer "$BASE" --json)"
KH_CLIENT_ID="$(node -e 'console.log(JSON.parse(process.argv[1]).client_id)' "$INIT")"
KH_CLIENT_SECRET="$(node -e 'console.log(JSON.parse(process.argv[1]).client_secret)' "$INIT")"
export KH_CLIENT_ID KH_CLIENT_SECRET
# The management API's token (kindeBearerAuth): client credentials of that application, every management scope.
KH_M2M_TOKEN="$(curl -fsS "$BASE/oauth2/token" -u "$KH_CLIENT_ID:$KH_CLIENT_SECRET" -d grant_type=client_credentials \
  --data-urlencode "audience=$BASE/api" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).access_token))')"
export KH_M2M_TOKEN
APP_TOKEN="$(curl -fsS "$BASE/api/app/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$KH_EMAIL\",\"password\":\"$KH_PASSWORD\"}" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).session.token))')"
KH_API_KEY="$(curl -fsS "$BASE/api/v1/api-keys" -X POST -H "X-Kendr-Session: $APP_TOKEN" -H 'Content-Type: application/json' \
  -d '{"name":"contract"}' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')"
export KH_API_KEY

# A user's access token (scopes openid profile email app), obtained through the real
# authorization-code + PKCE flow of the first-party desktop client, for oauthBearer operations.
VERIFIER="$(od -An -N48 -tx1 /dev/urandom | tr -d ' \n')"
CHALLENGE="$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')"
REDIRECT="http://127.0.0.1:9/callback"
JAR="$WORK/cookies"
curl -fsS -c "$JAR" "$BASE/api/auth/login" -H 'Content-Type: application/json' -H "Origin: $BASE" \
  -d "{\"email\":\"$KH_EMAIL\",\"password\":\"$KH_PASSWORD\"}" >/dev/null
LOCATION="$(curl -fsS -b "$JAR" -o /dev/null -w '%{redirect_url}' -G "$BASE/oauth/authorize" \
  --data-urlencode response_type=code --data-urlencode client_id=kendr-desktop \
  --data-urlencode "redirect_uri=$REDIRECT" --data-urlencode 'scope=openid profile email app' \
  --data-urlencode "code_challenge=$CHALLENGE" --data-urlencode code_challenge_method=S256 --data-urlencode state=contract)"
CODE="$(node -e 'console.log(new URL(process.argv[1]).searchParams.get("code") ?? "")' "$LOCATION")"
[[ -n "$CODE" ]] || { echo "authorization did not return a code: $LOCATION" >&2; exit 1; }
KH_USER_TOKEN="$(curl -fsS "$BASE/oauth/token" -d grant_type=authorization_code -d client_id=kendr-desktop \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT" --data-urlencode "code_verifier=$VERIFIER" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).access_token))')"
export KH_USER_TOKEN

# The JUnit report goes where `make test` reads its counts (KEYHAVEN_CONTRACT_REPORT_DIR). Schemathesis
# closes with a pytest-style "N warnings in Ts" banner that CI would read as pytest running no test,
# so that one line is reworded; `make test` prints the plain totals last.
export PYTHONPATH="$ROOT/tests/contract${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=hooks
"$ST" --no-color --config-file tests/contract/schemathesis.toml run generated/openapi.json \
  --url "$BASE" --checks all --phases examples,coverage,fuzzing,stateful \
  --report junit --report-dir "${KEYHAVEN_CONTRACT_REPORT_DIR:-$WORK/report}" "$@" \
  | sed -u -E 's/^=+ (.*) in ([0-9.]+s) =+$/schemathesis took \2: \1/'
