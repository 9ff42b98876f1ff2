package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"

	applineage "assetflow/application/lineage"
	"assetflow/domain/catalog"
	"assetflow/domain/dataservice"
	"assetflow/domain/fault"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
)

// feedLineage turns the platform's own activity into lineage: statements that wrote through the
// query console, and report API versions (their queries read tables; a deleted version's edges
// are retired). It follows the dataservice topic in its own consumer group; recording is
// idempotent, so a redelivered event changes nothing.
func feedLineage(ctx context.Context, brokers []string, svc *applineage.Service, tables tableLookup) error {
	sub, err := bus.NewSubscriber(brokers, "assetflow.lineage-feed")
	if err != nil {
		return err
	}
	defer sub.Close()
	merged := make(chan *message.Message)
	var wg sync.WaitGroup
	for _, topic := range []string{bus.Topic("dataservice"), bus.Topic("catalog")} {
		msgs, err := sub.Subscribe(ctx, topic)
		if err != nil {
			return fmt.Errorf("subscribe to %s: %w", topic, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range msgs {
				merged <- m
			}
		}()
	}
	go func() { wg.Wait(); close(merged) }()
	for msg := range merged {
		// Most of the topic's traffic is gateway calls and console facts that carry no lineage.
		if t := msg.Metadata.Get(bus.MetaEventType); t != "" && !feeds[t] {
			msg.Ack()
			continue
		}
		var e eventstore.Event
		if err := json.Unmarshal(msg.Payload, &e); err != nil {
			slog.Warn("lineage feed: message skipped", "err", err)
			msg.Ack()
			continue
		}
		err := lineageOf(ctx, svc, tables, e)
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

// feeds are the event types lineageOf reads.
var feeds = map[string]bool{
	dataservice.QueryExecuted{}.EventType(): true, dataservice.InterfaceCreated{}.EventType(): true,
	dataservice.InterfaceUpdated{}.EventType(): true, dataservice.InterfaceStatusChanged{}.EventType(): true,
	catalog.TableCollected{}.EventType(): true, catalog.SourceFactsChanged{}.EventType(): true,
	catalog.TableDropped{}.EventType(): true, catalog.TableDeleted{}.EventType(): true,
}

// tableLookup finds a catalogued table's place (for events that carry only its id).
type tableLookup func(ctx context.Context, id string) (catalog.Source, error)

func lineageOf(ctx context.Context, svc *applineage.Service, tables tableLookup, e eventstore.Event) error {
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
	case catalog.TableCollected{}.EventType():
		var v catalog.TableCollected
		if err = json.Unmarshal(e.Payload, &v); err == nil && v.Definition != "" {
			_, err = svc.RecordView(ctx, v.TableID, v.DatasourceID, viewQualifier(v.Source), v.Name, v.Definition, meta)
		}
	case catalog.SourceFactsChanged{}.EventType():
		var v catalog.SourceFactsChanged
		if err = json.Unmarshal(e.Payload, &v); err == nil && v.Type == "view" {
			var src catalog.Source
			if src, err = tables(ctx, v.TableID); err == nil {
				if v.Definition == "" {
					_, err = svc.ForgetView(ctx, v.TableID, meta)
				} else {
					_, err = svc.RecordView(ctx, v.TableID, src.DatasourceID, viewQualifier(src), src.Name, v.Definition, meta)
				}
			}
		}
	case catalog.TableDropped{}.EventType(), catalog.TableDeleted{}.EventType():
		var v struct {
			TableID string `json:"table_id"`
		}
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = svc.ForgetView(ctx, v.TableID, meta)
		}
	}
	return err
}

// viewQualifier is the schema a view's name is qualified with: its schema where the engine has
// schemas, else its database.
func viewQualifier(s catalog.Source) string {
	if s.Schema != "" {
		return s.Schema
	}
	return s.Database
}
