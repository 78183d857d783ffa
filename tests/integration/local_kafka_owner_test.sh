#!/usr/bin/env bash
# scripts/local-kafka.sh start --owner-pid: when the owning process dies without stopping the
# cluster (an aborted test binary), the watchdog stops the broker and removes its directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(mktemp -d /tmp/newsflow-owner-test.XXXXXX)
sleep 600 &
OWNER=$!
cleanup() {
  kill -9 "$OWNER" 2>/dev/null || true
  [[ -d $DIR ]] && bash "$ROOT/scripts/local-kafka.sh" stop --dir "$DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Output captured to EOF the way the test binaries read it: the detached watchdog must not hold
# the pipe open, or this command substitution would hang.
out=$(timeout 180 bash "$ROOT/scripts/local-kafka.sh" start --dir "$DIR" --owner-pid "$OWNER" 2>&1) ||
  fail "start failed: $out"
broker=$(<"$DIR/node1.pid")
kill -0 "$broker" || fail "broker $broker not running after start"
sleep 3
kill -0 "$broker" || fail "broker stopped while its owner $OWNER was alive"

kill -9 "$OWNER"
wait "$OWNER" 2>/dev/null || true
for _ in $(seq 60); do
  kill -0 "$broker" 2>/dev/null || break
  sleep 1
done
kill -0 "$broker" 2>/dev/null && fail "broker $broker still running 60 s after its owner died"
for _ in $(seq 10); do [[ -d $DIR ]] || break; sleep 1; done
[[ -d $DIR ]] && fail "$DIR not removed after the owner died"

# A start naming a process that does not exist is refused (and leaves nothing running).
DIR2=$(mktemp -d /tmp/newsflow-owner-test.XXXXXX)
if out=$(bash "$ROOT/scripts/local-kafka.sh" start --dir "$DIR2" --owner-pid 999999999 2>&1); then
  bash "$ROOT/scripts/local-kafka.sh" stop --dir "$DIR2" >/dev/null 2>&1 || true
  fail "start accepted a dead owner pid"
fi
echo "$out" | grep -q "owner-pid" || fail "no message naming --owner-pid: $out"
bash "$ROOT/scripts/local-kafka.sh" stop --dir "$DIR2" >/dev/null 2>&1 || true
echo PASS
