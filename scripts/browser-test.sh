#!/usr/bin/env bash
# Browser test of the console: starts `assetflow serve` the way `make run` does (embedded broker,
# fresh database, built console) on free ports, then drives it with playwright-core in Chromium.
# The datasource test connects to a scratch MariaDB database on 127.0.0.1 (root, no password).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x /usr/bin/chromium ] || { echo "FAIL: /usr/bin/chromium is missing (apt-get install -y chromium)"; exit 1; }
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
db=af_browser_$$_$(date +%s)
mdb=af_e2e_$$_$(date +%s) # MariaDB database the datasource test connects to and browses
syncdb=${db}_sync # PostgreSQL database the integration test writes into
http=$(port); kafka=$(port)
work=$(mktemp -d)
psql -h 127.0.0.1 -U postgres -qc "create database $db" postgres >/dev/null
psql -h 127.0.0.1 -U postgres -qc "create database $syncdb" postgres >/dev/null
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db with (force)" postgres >/dev/null 2>&1 || true
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $syncdb with (force)" postgres >/dev/null 2>&1 || true
  mariadb -h 127.0.0.1 -uroot -e "drop database if exists $mdb" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mariadb -h 127.0.0.1 -uroot --default-character-set=utf8mb4 -e "create database $mdb character set utf8mb4;
  create table $mdb.e2e_orders (id bigint primary key comment '订单号', amount decimal(10,2)) comment='订单';
  insert into $mdb.e2e_orders values (1001, 128.50), (1002, 39.90), (1003, null)" \
  || { echo "FAIL: cannot create the MariaDB database $mdb on 127.0.0.1 as root"; exit 1; }
export ASSETFLOW_E2E_MARIADB_DB=$mdb ASSETFLOW_E2E_PG_DB=$syncdb
ASSETFLOW_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" ASSETFLOW_HTTP_ADDR=127.0.0.1:$http \
ASSETFLOW_EMBEDDED_KAFKA_ADDR=127.0.0.1:$kafka ASSETFLOW_DATA_DIR=$work ASSETFLOW_ADMIN_PASSWORD=Browser-Admin-1 \
  bin/assetflow serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "http://127.0.0.1:$http/readyz" >/dev/null || { tail -20 "$work/server.log"; echo "FAIL: server not ready"; exit 1; }
ASSETFLOW_E2E_BASE=http://127.0.0.1:$http ASSETFLOW_E2E_PASSWORD=Browser-Admin-1 node --test webui/e2e/ || { tail -30 "$work/server.log"; exit 1; }
