package eventstore

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"assetflow/domain/eventsourcing"
)

// Upcaster turns a payload of schema version From into version From+1.
type Upcaster struct {
	Type string
	From int
	Up   func(json.RawMessage) (json.RawMessage, error)
}

// Codec maps event type names to their Go types and current schema versions, and upcasts old
// payloads when they are read. It is built once in cmd and passed explicitly.
type Codec struct {
	types     map[string]reflect.Type
	versions  map[string]int
	upcasters map[string]map[int]Upcaster
}

// NewCodec registers the given events at schema version 1.
func NewCodec(events ...eventsourcing.Event) *Codec {
	c := &Codec{types: map[string]reflect.Type{}, versions: map[string]int{}, upcasters: map[string]map[int]Upcaster{}}
	for _, e := range events {
		c.types[e.EventType()] = reflect.TypeOf(e)
		c.versions[e.EventType()] = 1
	}
	return c
}

// AddUpcaster registers an upcaster; the type's current version becomes at least From+1.
func (c *Codec) AddUpcaster(u Upcaster) {
	if c.upcasters[u.Type] == nil {
		c.upcasters[u.Type] = map[int]Upcaster{}
	}
	c.upcasters[u.Type][u.From] = u
	if c.versions[u.Type] < u.From+1 {
		c.versions[u.Type] = u.From + 1
	}
}

// Types lists the registered event types, sorted.
func (c *Codec) Types() []string {
	out := make([]string, 0, len(c.types))
	for t := range c.types {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// SchemaVersion is the current schema version of an event type.
func (c *Codec) SchemaVersion(eventType string) int { return c.versions[eventType] }

// Encode prepares a domain event for appending.
func (c *Codec) Encode(e eventsourcing.Event) (Pending, error) {
	if _, ok := c.types[e.EventType()]; !ok {
		return Pending{}, fmt.Errorf("event type %s is not registered", e.EventType())
	}
	b, err := json.Marshal(e)
	if err != nil {
		return Pending{}, fmt.Errorf("encode %s: %w", e.EventType(), err)
	}
	return Pending{Type: e.EventType(), SchemaVersion: c.versions[e.EventType()], Payload: b}, nil
}

// Upcast brings a stored payload to the current schema version.
func (c *Codec) Upcast(e Event) (json.RawMessage, error) {
	payload := e.Payload
	for v := e.SchemaVersion; v < c.versions[e.Type]; v++ {
		u, ok := c.upcasters[e.Type][v]
		if !ok {
			return nil, fmt.Errorf("no upcaster for %s from version %d", e.Type, v)
		}
		var err error
		if payload, err = u.Up(payload); err != nil {
			return nil, fmt.Errorf("upcast %s from version %d: %w", e.Type, v, err)
		}
	}
	return payload, nil
}

// Decode turns a stored event into its domain type, upcasting first.
func (c *Codec) Decode(e Event) (eventsourcing.Event, error) {
	t, ok := c.types[e.Type]
	if !ok {
		return nil, fmt.Errorf("event type %s is not registered", e.Type)
	}
	payload, err := c.Upcast(e)
	if err != nil {
		return nil, err
	}
	v := reflect.New(t)
	if err := json.Unmarshal(payload, v.Interface()); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", e.Type, e.ID, err)
	}
	return v.Elem().Interface().(eventsourcing.Event), nil
}
