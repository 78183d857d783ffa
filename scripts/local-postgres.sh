#!/usr/bin/env bash
# Runs a throwaway PostgreSQL server (initdb + pg_ctl, no Docker) for tests, listening on a unix
# socket in its own directory only (no TCP port, so parallel test runs cannot collide).
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: scripts/local-postgres.sh COMMAND [OPTIONS]

  start --dir DIR     initdb + start a server with data in DIR/data and its socket in DIR;
                      creates database "newsflow" (superuser "newsflow", trust auth on the
                      socket); writes DIR/conninfo and prints CONNINFO=... last
  stop --dir DIR      stop the server (fast shutdown, then immediate) and delete DIR
  psql --dir DIR [ARGS...]
                      psql against the server (e.g. -c 'SELECT count(*) FROM articles')
  env                 print the PostgreSQL bin directory in use

Environment: PG_BIN (default: pg_config --bindir, else the newest /usr/lib/postgresql/*/bin;
installed with apt-get when missing and run as root), LOCAL_PG_TIMEOUT (start wait, default 60 s),
LOCAL_PG_DURABLE=1 (keep fsync and synchronous_commit on, e.g. for benchmarks).
initdb refuses to run as root: as root, the server runs as the "postgres" system user (created
by Debian's postgresql package) and DIR is handed to it. Keep DIR short: a unix socket path is
limited to 107 bytes. By default the server runs with fsync=off: it is for tests only.
Log: DIR/server.log.
EOF2
}

TIMEOUT=${LOCAL_PG_TIMEOUT:-60}
DURABLE=${LOCAL_PG_DURABLE:-0}
DB_USER=newsflow
DB_NAME=newsflow
PORT=5432 # only names the socket (DIR/.s.PGSQL.5432); nothing listens on TCP

die() { echo "local-postgres: error: $*" >&2; exit 1; }
log() { echo "local-postgres: $*" >&2; }

find_bin() {
  if [[ -n ${PG_BIN:-} ]]; then
    [[ -x $PG_BIN/initdb ]] || die "PG_BIN=$PG_BIN has no initdb"
    echo "$PG_BIN"
    return
  fi
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    [[ -n $dir && -x $dir/initdb ]] && { echo "$dir"; return; }
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z $dir || ! -x $dir/initdb ]]; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      log "PostgreSQL server not found; installing it (apt-get install postgresql)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 ||
        die "apt-get install postgresql failed"
      dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    fi
  fi
  [[ -n $dir && -x $dir/initdb ]] ||
    die "PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)"
  echo "$dir"
}

# Runs a command as the server's user: ourselves, or "postgres" when we are root.
as_server_user() {
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

parse_dir() {
  DIR=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --dir) DIR=$2; shift 2 ;;
      *) break ;;
    esac
  done
  [[ -n $DIR ]] || die "--dir DIR is required"
  REST=("$@")
}

start() {
  parse_dir "$@"
  local bin
  bin=$(find_bin)
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  (( ${#DIR} + 16 <= 107 )) || die "--dir $DIR is too long for a unix socket path"
  [[ -e $DIR/data ]] && die "$DIR/data exists; stop the old server first"
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$DIR"
    chmod 0700 "$DIR"
  fi
  as_server_user "$bin/initdb" -D "$DIR/data" -U "$DB_USER" --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  local options="-c listen_addresses='' -k $DIR -p $PORT"
  [[ $DURABLE == 1 ]] || options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  as_server_user "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t "$TIMEOUT" -o "$options" \
    start >&2 || { tail -n 30 "$DIR/server.log" >&2 || true; die "pg_ctl start failed"; }
  as_server_user "$bin/psql" -X -q -h "$DIR" -p "$PORT" -U "$DB_USER" -d postgres \
    -c "CREATE DATABASE $DB_NAME" >&2 || die "cannot create database $DB_NAME"
  local conninfo="host=$DIR port=$PORT user=$DB_USER dbname=$DB_NAME"
  echo "$conninfo" >"$DIR/conninfo"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') up, socket in $DIR"
  echo "CONNINFO=$conninfo"
}

stop() {
  parse_dir "$@"
  [[ -d $DIR ]] || return 0
  local bin
  bin=$(find_bin)
  if [[ -f $DIR/data/postmaster.pid ]]; then
    as_server_user "$bin/pg_ctl" -D "$DIR/data" -m fast -w -t 20 stop >&2 ||
      as_server_user "$bin/pg_ctl" -D "$DIR/data" -m immediate -w -t 10 stop >&2 || true
  fi
  rm -rf "$DIR"
}

run_psql() {
  parse_dir "$@"
  local bin
  bin=$(find_bin)
  "$bin/psql" -X -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U "$DB_USER" -d "$DB_NAME" "${REST[@]}"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  psql) shift; run_psql "$@" ;;
  env) echo "PG_BIN=$(find_bin)" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
