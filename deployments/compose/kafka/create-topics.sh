#!/usr/bin/env bash
# Creates AssetFlow's Kafka topics. Safe to run again: existing topics are
# left alone. The partition count of an existing topic is never changed here:
# adding partitions moves keys to other partitions and breaks per-aggregate
# ordering, so a mismatch is only reported.
#
# Runs inside the apache/kafka image (Kafka CLI under /opt/kafka/bin).
# The same script is shipped to Kubernetes in k8s/kafka-topics-job.yaml.
#
# Environment:
#   BOOTSTRAP_SERVERS           host:port[,host:port...]            (required)
#   TOPICS                      comma-separated topic names         (required)
#   TOPIC_PARTITIONS            partitions per topic                (default 12)
#   TOPIC_REPLICATION_FACTOR    replicas per partition              (default 3)
#   TOPIC_MIN_INSYNC_REPLICAS   min.insync.replicas per topic       (default 2)
#   POISON_RETENTION_MS         retention of *.poison topics        (default 30 days)
#   KAFKA_BIN_DIR               Kafka CLI directory                 (default /opt/kafka/bin)
set -euo pipefail

: "${BOOTSTRAP_SERVERS:?BOOTSTRAP_SERVERS is required}"
: "${TOPICS:?TOPICS is required}"
partitions="${TOPIC_PARTITIONS:-12}"
replication="${TOPIC_REPLICATION_FACTOR:-3}"
min_isr="${TOPIC_MIN_INSYNC_REPLICAS:-2}"
poison_retention_ms="${POISON_RETENTION_MS:-2592000000}"

bin="${KAFKA_BIN_DIR:-/opt/kafka/bin}"
topics_cli() { "$bin/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP_SERVERS" "$@"; }

echo "waiting for brokers at $BOOTSTRAP_SERVERS"
attempt=0
until "$bin/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP_SERVERS" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 60 ]; then
    echo "brokers not reachable after $attempt attempts" >&2
    exit 1
  fi
  sleep 5
done

IFS=',' read -r -a wanted <<<"$TOPICS"
for topic in "${wanted[@]}"; do
  topic="${topic//[[:space:]]/}"
  [ -n "$topic" ] || continue

  configs=(--config "min.insync.replicas=$min_isr")
  case "$topic" in
    *.poison) configs+=(--config "retention.ms=$poison_retention_ms") ;;
  esac

  echo "ensuring topic $topic (partitions=$partitions, replication-factor=$replication, min.insync.replicas=$min_isr)"
  topics_cli --create --if-not-exists --topic "$topic" \
    --partitions "$partitions" --replication-factor "$replication" "${configs[@]}"

  current="$(topics_cli --describe --topic "$topic" | sed -n 's/.*PartitionCount:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1)"
  if [ -n "$current" ] && [ "$current" != "$partitions" ]; then
    echo "WARNING: $topic has $current partitions, $partitions wanted; left unchanged" >&2
  fi
done

echo "topics:"
topics_cli --describe --topics-with-overrides --topic 'assetflow\..*'
