#!/usr/bin/env bash
# Find or provision a PostgreSQL for the test suite; print the DATABASE_URL to use on stdout.
#  1. DATABASE_URL already pointing at a PostgreSQL that answers;
#  2. a server on 127.0.0.1:5432 (user $PGUSER, default postgres);
#  3. otherwise (as root on Debian) install Debian's postgresql and start a throwaway cluster under var/pg.
# Exit 1 with instructions when none can be had.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "ensure-postgres: $*" >&2; }
user="${PGUSER:-postgres}"

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  if python3 - "$DATABASE_URL" <<'PY' >/dev/null 2>&1
import socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
socket.create_connection((u.hostname or "127.0.0.1", u.port or 5432), timeout=2).close()
PY
  then echo "$DATABASE_URL"; exit 0; fi
  say "DATABASE_URL=$DATABASE_URL does not answer; looking elsewhere"
fi

if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "postgres://${user}@127.0.0.1:5432/yimen"; exit 0
fi

port=55432
data="$PWD/var/pg/data"
sock="$PWD/var/pg"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$bindir" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "no PostgreSQL found: installing Debian's postgresql"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  else
    say "no PostgreSQL found. Install it (Debian: sudo apt-get install postgresql) or set DATABASE_URL=postgres://user@host:port/db"
    exit 1
  fi
fi
run_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ ! -f "$data/PG_VERSION" ]]; then
  say "creating a throwaway cluster in var/pg"
  mkdir -p "$data"
  [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$PWD/var/pg"
  run_pg "$bindir/initdb" -D "$data" -A trust -U "$user" >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p $port 2>/dev/null; then
  run_pg "$bindir/pg_ctl" -D "$data" -l "$sock/server.log" -w \
    -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
fi
echo "postgres://${user}@127.0.0.1:${port}/yimen"
