package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	applineage "assetflow/application/lineage"
	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/infrastructure/bus"
)

// consumeETLLogs records the lineage of the ETL logs schedulers push to assetflow.etl-logs. A
// message that cannot be recorded as sent (bad JSON, unparsable SQL) is logged and skipped; a
// failure of the platform itself is retried.
func consumeETLLogs(ctx context.Context, brokers []string, svc *applineage.Service) error {
	sub, err := bus.NewSubscriber(brokers, "assetflow-etl-logs")
	if err != nil {
		return err
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(ctx, bus.ETLLogsTopic)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", bus.ETLLogsTopic, err)
	}
	for msg := range msgs {
		var log applineage.ETLLog
		if err := json.Unmarshal(msg.Payload, &log); err != nil {
			slog.Warn("ETL log skipped: not JSON", "topic", bus.ETLLogsTopic, "err", err)
			msg.Ack()
			continue
		}
		res, err := svc.IngestETL(ctx, log, eventsourcing.Metadata{ActorName: "kafka:" + bus.ETLLogsTopic, CorrelationID: msg.UUID})
		switch {
		case err == nil:
			slog.Debug("ETL log recorded", "job", log.JobName, "found", res.Found, "retired", res.Retired)
			msg.Ack()
		case fault.KindOf(err) == fault.KindInvalid:
			slog.Warn("ETL log skipped", "job", log.JobName, "err", err)
			msg.Ack()
		default:
			slog.Error("ETL log not recorded; will retry", "job", log.JobName, "err", err)
			msg.Nack()
		}
	}
	return nil
}
