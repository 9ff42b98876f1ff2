// Package eventsourcing is the domain's event-sourcing kernel: what an event is, and how an
// aggregate records events and rebuilds itself from them. It knows nothing of storage.
package eventsourcing

// Event is a fact recorded by an aggregate. EventType is "<context>.<past_tense>", e.g.
// "access.user_created"; it is the public name downstream consumers rely on.
type Event interface {
	EventType() string
}

// Aggregate is implemented by every event-sourced entity: Transition applies a (new or stored)
// event to state and never fails; Bookkeeping gives access to the bookkeeping embedded in it.
type Aggregate interface {
	Bookkeeping() *Root
	Transition(Event)
	StreamType() string
}

// Root holds an aggregate's identity, version and uncommitted events. Embed it.
type Root struct {
	id      string
	version int
	changes []Event
}

// Bookkeeping returns the Root itself, so that embedding types satisfy Aggregate.
func (r *Root) Bookkeeping() *Root { return r }

// ID is the stream id.
func (r *Root) ID() string { return r.id }

// SetID is used once, by the command that creates the aggregate.
func (r *Root) SetID(id string) { r.id = id }

// Version is the stream version of the last stored event (uncommitted changes not counted).
func (r *Root) Version() int { return r.version }

// Changes are the events recorded since the aggregate was loaded.
func (r *Root) Changes() []Event { return r.changes }

// Committed marks changes stored at the given stream version.
func (r *Root) Committed(version int) {
	r.version = version
	r.changes = nil
}

// Record applies a new event and keeps it for saving.
func Record(a Aggregate, e Event) {
	a.Transition(e)
	r := a.Bookkeeping()
	r.changes = append(r.changes, e)
}

// Replay applies stored events, advancing the version.
func Replay(a Aggregate, version int, events ...Event) {
	for _, e := range events {
		a.Transition(e)
	}
	a.Bookkeeping().version = version
}

// Metadata travels with every event: who caused it, from where, and which request chain it belongs to.
type Metadata struct {
	ActorID       string `json:"actorId,omitempty"`
	ActorName     string `json:"actorName,omitempty"`
	ClientIP      string `json:"clientIp,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
	CausationID   string `json:"causationId,omitempty"`
}

// Ref names the stream version a command produced; readers wait for it to reach read models.
type Ref struct {
	StreamID string `json:"streamId"`
	Version  int    `json:"version"`
}
