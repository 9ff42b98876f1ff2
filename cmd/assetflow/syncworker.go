package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	appint "assetflow/application/integration"
	"assetflow/domain/integration"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
)

// syncWorkerGroup is the consumer group of the replicas' sync workers: each run request goes to
// one of them.
const syncWorkerGroup = "assetflow-integration-worker"

// runLog counts a run stream's events in the store.
type runLog struct{ store *eventstore.Store }

func (l runLog) Events(ctx context.Context, runID string) (int, error) {
	evs, err := l.store.ReadStream(ctx, runID, 0)
	return len(evs), err
}

// consumeSyncRequests is this replica's sync worker: it takes the integration.run_requested events
// its consumer group is given and starts those runs here. Other events of the topic are acked
// and ignored; a request that cannot be handled because of the platform itself is retried.
func consumeSyncRequests(ctx context.Context, brokers []string, svc *appint.Service) error {
	sub, err := bus.NewSubscriber(brokers, syncWorkerGroup)
	if err != nil {
		return err
	}
	defer sub.Close()
	topic := bus.Topic("integration")
	msgs, err := sub.Subscribe(ctx, topic)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", topic, err)
	}
	requested := integration.RunRequested{}.EventType()
	for msg := range msgs {
		if msg.Metadata.Get(bus.MetaEventType) != requested {
			msg.Ack()
			continue
		}
		var e eventstore.Event
		var req integration.RunRequested
		if err := json.Unmarshal(msg.Payload, &e); err != nil || json.Unmarshal(e.Payload, &req) != nil {
			slog.Warn("sync run request skipped: unreadable", "message", msg.UUID)
			msg.Ack()
			continue
		}
		if err := svc.Execute(ctx, req, e.OccurredAt, e.Metadata); err != nil {
			slog.Error("sync run request not handled; will retry", "run", req.RunID, "err", err)
			msg.Nack()
			continue
		}
		msg.Ack()
	}
	return nil
}
