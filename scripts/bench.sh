#!/usr/bin/env bash
# Runs the spine's benchmarks (each beside its same-run baseline) and rewrites docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
run() { go test -run '^$' -bench "$1" -benchtime "$2" -count "${3:-1}" -timeout 60m "${4:-./cmd/assetflow/}" | grep -E '^Benchmark' | tee -a "$out"; }
run 'AppendBatch|RawInsertBaseline' 200x 3
run 'RelayThroughput' 3x
run 'EndToEndLag' 1x
run 'CommandRoundTrip|ReadRoundTripBaseline' 3000x
run 'Catalog' 5x 1 ./infrastructure/connectors/
run 'CatalogCollect10k' 1x 1 ./cmd/assetflow/
run 'CatalogSearch100k' 500x 1 ./projections/catalog/
run 'ExportMillionRows' 2x
run 'QueryAPITrivial|QueryDriverTrivialBaseline' 3000x
run 'GatewayWrk' 1x
run 'LineageParse' 2s 1 ./infrastructure/sqlparse/
run 'LineageGraph1M' 300x 1 ./projections/lineage/
run 'AccessGuard' 5x
run 'Quality10M' 3x 1 ./infrastructure/connectors/
run 'QualitySchedule500' 1x
run 'Sync' 5x
{
  sed -n '1,/^<!-- RESULTS -->$/p' docs/benchmarks.md
  echo
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(go version | cut -d' ' -f3), PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc 'show server_version' postgres 2>/dev/null):"
  echo
  echo '```'
  cat "$out"
  echo '```'
} > docs/benchmarks.md.new
mv docs/benchmarks.md.new docs/benchmarks.md
rm -f "$out"
