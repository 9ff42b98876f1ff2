package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	applineage "assetflow/application/lineage"
	"assetflow/domain/dataservice"
	"assetflow/domain/fault"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
)

// feedLineage turns the platform's own activity into lineage: statements that wrote through the
// query console, and report API versions (their queries read tables; a deleted version's edges
// are retired). It follows the dataservice topic in its own consumer group; recording is
// idempotent, so a redelivered event changes nothing.
func feedLineage(ctx context.Context, brokers []string, svc *applineage.Service) error {
	sub, err := bus.NewSubscriber(brokers, "assetflow.lineage-feed")
	if err != nil {
		return err
	}
	defer sub.Close()
	topic := bus.Topic("dataservice")
	msgs, err := sub.Subscribe(ctx, topic)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", topic, err)
	}
	for msg := range msgs {
		var e eventstore.Event
		if err := json.Unmarshal(msg.Payload, &e); err != nil {
			slog.Warn("lineage feed: message skipped", "err", err)
			msg.Ack()
			continue
		}
		err := lineageOf(ctx, svc, e)
		if err != nil && fault.KindOf(err) != fault.KindInvalid && fault.KindOf(err) != fault.KindNotFound {
			slog.Error("lineage feed: will retry", "event", e.ID, "type", e.Type, "err", err)
			msg.Nack()
			continue
		}
		if err != nil {
			slog.Debug("lineage feed: no lineage", "event", e.ID, "type", e.Type, "err", err)
		}
		msg.Ack()
	}
	return nil
}

func lineageOf(ctx context.Context, svc *applineage.Service, e eventstore.Event) error {
	meta := e.Metadata
	meta.CausationID = e.ID
	var err error
	switch e.Type {
	case dataservice.QueryExecuted{}.EventType():
		var v dataservice.QueryExecuted
		if err = json.Unmarshal(e.Payload, &v); err == nil && v.Status == "succeeded" && !v.Export {
			_, err = svc.RecordStatement(ctx, v.DatasourceID, v.DatasourceName, v.RenderedSQL, meta)
		}
	case dataservice.InterfaceCreated{}.EventType(), dataservice.InterfaceUpdated{}.EventType():
		var v dataservice.InterfaceCreated // InterfaceUpdated has the same shape
		if err = json.Unmarshal(e.Payload, &v); err == nil && v.Definition.DatasourceID != "" {
			d := v.Definition
			_, err = svc.RecordReportAPI(ctx, d.Code, d.Version, d.DatasourceID, d.QueryTemplate, meta)
		}
	case dataservice.InterfaceStatusChanged{}.EventType():
		var v dataservice.InterfaceStatusChanged
		if err = json.Unmarshal(e.Payload, &v); err == nil && v.Status == "deleted" {
			_, err = svc.ForgetReportAPI(ctx, v.Code, v.Version, meta)
		}
	}
	return err
}
