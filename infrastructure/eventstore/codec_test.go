package eventstore_test

import (
	"encoding/json"
	"testing"

	"assetflow/domain/access"
	"assetflow/infrastructure/eventstore"
)

func TestCodecRoundTripAndUpcast(t *testing.T) {
	t.Parallel()
	c := eventstore.NewCodec(access.Events()...)
	p, err := c.Encode(access.UserUpdated{UserID: "u", DisplayName: "A", Roles: []string{"viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(eventstore.Event{Type: p.Type, SchemaVersion: p.SchemaVersion, Payload: p.Payload})
	if err != nil || got.(access.UserUpdated).DisplayName != "A" {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	// A v1 payload named the field "name"; v2 calls it "displayName".
	c.AddUpcaster(eventstore.Upcaster{Type: "access.user_updated", From: 1, Up: func(b json.RawMessage) (json.RawMessage, error) {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		m["displayName"] = m["name"]
		delete(m, "name")
		return json.Marshal(m)
	}})
	if c.SchemaVersion("access.user_updated") != 2 {
		t.Fatalf("schema version %d", c.SchemaVersion("access.user_updated"))
	}
	old, err := c.Decode(eventstore.Event{Type: "access.user_updated", SchemaVersion: 1, Payload: json.RawMessage(`{"userId":"u","name":"Old"}`)})
	if err != nil || old.(access.UserUpdated).DisplayName != "Old" {
		t.Fatalf("upcast: %v %+v", err, old)
	}
	if _, err := c.Decode(eventstore.Event{Type: "nope.happened", SchemaVersion: 1, Payload: json.RawMessage(`{}`)}); err == nil {
		t.Fatal("unknown type decoded")
	}
}
