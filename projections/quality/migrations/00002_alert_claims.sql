-- +goose Up
-- Alerts delivered (or being delivered), one row per check and kind: a check redelivered by Kafka
-- to another replica (a consumer-group rebalance) finds its alert claimed and sends nothing.
-- Kept apart from the read model: a replay does not forget what was sent.
create table quality_alert_claims (
    key        text primary key,
    claimed_at timestamptz not null default now()
);
