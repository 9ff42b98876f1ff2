package eventstore_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"assetflow/domain/eventsourcing"
	"assetflow/infrastructure/eventstore"
)

// The envelope decodes to the same event json.Marshal's would, whatever the strings hold and
// however the stored payload is spaced.
func TestMarshalEnvelopeMatchesJSON(t *testing.T) {
	t.Parallel()
	events := []eventstore.Event{
		{Position: 7, ID: "e1", StreamID: `weird ,"payload":0, stream`, StreamType: "x", Version: 2, Type: "dataservice.calls_recorded",
			SchemaVersion: 1, Payload: json.RawMessage(`{"calls": [ {"a": 1}, {"b": "<&>"} ]}`),
			Metadata:   eventsourcing.Metadata{ActorName: `a "quoted" name`, ClientIP: "10.0.0.1"},
			OccurredAt: time.Date(2026, 11, 28, 1, 2, 3, 4, time.UTC), Hash: "h", TxID: 99},
		{ID: "empty payload"},
	}
	for _, e := range events {
		got, err := e.MarshalEnvelope()
		if err != nil {
			t.Fatal(err)
		}
		var a, b map[string]any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", e.ID, err, got)
		}
		want, _ := json.Marshal(e)
		_ = json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s:\n got %s\nwant %s", e.ID, got, want)
		}
		var back eventstore.Event
		if err := json.Unmarshal(got, &back); err != nil || back.StreamID != e.StreamID || back.Metadata != e.Metadata {
			t.Fatalf("%s: round trip %v %+v", e.ID, err, back)
		}
	}
}
