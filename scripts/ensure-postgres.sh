#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers for `make run`. Uses ASSETFLOW_DATABASE_URL or the local
# server on 127.0.0.1:5432; when none answers and PostgreSQL's server binaries are installed, it
# starts a private cluster under ./var/pg (port 5433) and writes var/pg.env pointing at it.
set -euo pipefail
mkdir -p var
rm -f var/pg.env
url=${ASSETFLOW_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/assetflow?sslmode=disable}
hostport=$(echo "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]+).*#\2#')
host=${hostport%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=5432
if command -v pg_isready >/dev/null && pg_isready -q -h "$host" -p "$port"; then exit 0; fi
if [ -n "${ASSETFLOW_DATABASE_URL:-}" ]; then
  echo "PostgreSQL at $host:$port does not answer (ASSETFLOW_DATABASE_URL)." >&2; exit 1
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  cat >&2 <<MSG
No PostgreSQL answers on 127.0.0.1:5432 and no server binaries are installed.
Install one, e.g.:  sudo apt-get install -y postgresql   (then: sudo service postgresql start)
or point ASSETFLOW_DATABASE_URL at a server you have.
MSG
  exit 1
fi
data=$PWD/var/pg
runas=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "user postgres is missing; install the postgresql package" >&2; exit 1; }
  runas=(runuser -u postgres --)
  mkdir -p "$data"; chown postgres "$data"
fi
if [ ! -f "$data/PG_VERSION" ]; then
  echo "Initialising a private PostgreSQL cluster under $data"
  "${runas[@]}" "$bindir/initdb" -D "$data" -U postgres -A trust >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5433; then
  "${runas[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -o "-p 5433 -k /tmp -c listen_addresses=127.0.0.1" -w start >/dev/null
fi
echo "export ASSETFLOW_DATABASE_URL='postgres://postgres@127.0.0.1:5433/assetflow?sslmode=disable'" > var/pg.env
echo "Using the private PostgreSQL cluster on 127.0.0.1:5433"
