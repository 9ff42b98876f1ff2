// Package eventstore is the append-only Postgres event store: optimistic concurrency per stream,
// a per-stream hash chain, UUIDv7 ids, and reads in commit-safe global order.
package eventstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is the store's schema.
func Migration() postgres.Migration {
	return postgres.Embedded("eventstore", migrationFiles)
}

// NotifyChannel is the Postgres channel notified after every append, waking the relay.
const NotifyChannel = "assetflow_events"

// Expected-version sentinels for StreamAppend.
const (
	// AnyVersion appends after whatever the stream holds.
	AnyVersion = -1
	// NoStream requires the stream to be new.
	NoStream = 0
)

// ErrConflict is returned when a stream moved past the expected version; the API answers 409.
var ErrConflict = errors.New("stream version conflict")

// ConflictError says which stream moved. errors.Is(err, ErrConflict) holds.
type ConflictError struct {
	StreamID        string
	ExpectedVersion int
	ActualVersion   int
}

func (e *ConflictError) Error() string {
	if e.ActualVersion < 0 {
		return fmt.Sprintf("stream %s: concurrent append", e.StreamID)
	}
	return fmt.Sprintf("stream %s is at version %d, expected %d", e.StreamID, e.ActualVersion, e.ExpectedVersion)
}

func (e *ConflictError) Unwrap() []error {
	return []error{ErrConflict, fault.Conflict("the object was changed by someone else; reload and try again")}
}

// Event is a stored event; its JSON form is the Kafka message value and the public envelope.
type Event struct {
	Position      int64                  `json:"position"`
	ID            string                 `json:"id"`
	StreamID      string                 `json:"streamId"`
	StreamType    string                 `json:"streamType"`
	Version       int                    `json:"version"`
	Type          string                 `json:"type"`
	SchemaVersion int                    `json:"schemaVersion"`
	Payload       json.RawMessage        `json:"payload"`
	Metadata      eventsourcing.Metadata `json:"metadata"`
	OccurredAt    time.Time              `json:"occurredAt"`
	Hash          string                 `json:"hash"`
	TxID          uint64                 `json:"txId"`
}

// MarshalEnvelope encodes the event as its JSON envelope like json.Marshal does, except that the
// payload, valid JSON already (the store's json column checked it), is copied as it is instead of
// being validated and compacted again: for a large payload that second pass was most of the cost.
func (e Event) MarshalEnvelope() ([]byte, error) {
	payload := e.Payload
	e.Payload = json.RawMessage("0")
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	// The fields before the payload are numbers and JSON strings, whose quotes inside are escaped:
	// the first unescaped occurrence is the payload's own.
	const field = `,"payload":0,`
	i := bytes.Index(b, []byte(field))
	if i < 0 || len(payload) == 0 {
		e.Payload = payload
		return json.Marshal(e)
	}
	out := make([]byte, 0, len(b)+len(payload))
	out = append(out, b[:i+len(field)-2]...)
	out = append(out, payload...)
	return append(out, b[i+len(field)-1:]...), nil
}

// Context is the bounded context named by the event type's prefix ("access" for access.user_created).
func (e Event) Context() string { return ContextOf(e.Type) }

// ContextOf returns the part of an event type before the first dot.
func ContextOf(eventType string) string {
	if i := strings.IndexByte(eventType, '.'); i > 0 {
		return eventType[:i]
	}
	return eventType
}

// Pending is an event to append.
type Pending struct {
	Type          string
	SchemaVersion int
	Payload       json.RawMessage
}

// StreamAppend appends events to one stream.
type StreamAppend struct {
	StreamID        string
	StreamType      string
	ExpectedVersion int
	Events          []Pending
	Metadata        eventsourcing.Metadata
	// OccurredAt defaults to now.
	OccurredAt time.Time
}

// Store is the event store on one Postgres pool.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// OnAppend, when set, is told how many events each committed append stored (metrics).
	OnAppend func(n int)
}

// New returns a store on pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool, now: time.Now} }

// Pool is the store's pool, shared with read models living in the same database.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Append stores the appends atomically in one transaction and returns the stored events.
func (s *Store) Append(ctx context.Context, appends ...StreamAppend) ([]Event, error) {
	var out []Event
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = s.AppendTx(ctx, tx, appends...)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.OnAppend != nil {
		s.OnAppend(len(out))
	}
	return out, nil
}

// AppendTx appends inside the caller's transaction, so side writes (uniqueness claims,
// credentials) commit or fail together with the events.
func (s *Store) AppendTx(ctx context.Context, tx pgx.Tx, appends ...StreamAppend) ([]Event, error) {
	ids := make([]string, 0, len(appends))
	for _, a := range appends {
		if a.StreamID == "" || a.StreamType == "" {
			return nil, fmt.Errorf("append: stream id and type are required")
		}
		ids = append(ids, a.StreamID)
	}
	heads, err := streamHeads(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var stored []Event
	var metas []string
	for _, a := range appends {
		head := heads[a.StreamID]
		if a.ExpectedVersion != AnyVersion && a.ExpectedVersion != head.version {
			return nil, &ConflictError{StreamID: a.StreamID, ExpectedVersion: a.ExpectedVersion, ActualVersion: head.version}
		}
		at := now
		if !a.OccurredAt.IsZero() {
			at = a.OccurredAt.UTC().Truncate(time.Microsecond)
		}
		meta, err := json.Marshal(a.Metadata)
		if err != nil {
			return nil, fmt.Errorf("encode metadata: %w", err)
		}
		for _, p := range a.Events {
			id, err := uuid.NewV7()
			if err != nil {
				return nil, fmt.Errorf("event id: %w", err)
			}
			sv := p.SchemaVersion
			if sv == 0 {
				sv = 1
			}
			e := Event{
				ID: id.String(), StreamID: a.StreamID, StreamType: a.StreamType, Version: head.version + 1,
				Type: p.Type, SchemaVersion: sv, Payload: p.Payload, Metadata: a.Metadata, OccurredAt: at,
			}
			e.Hash = chainHash(head.hash, e, meta)
			head = streamHead{version: e.Version, hash: e.Hash}
			stored = append(stored, e)
			metas = append(metas, string(meta))
		}
		heads[a.StreamID] = head
	}
	rows := make([][]any, len(stored))
	for i, e := range stored {
		rows[i] = []any{e.ID, e.StreamID, e.StreamType, e.Version, e.Type, e.SchemaVersion, string(e.Payload), metas[i], e.OccurredAt, e.Hash}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"events"},
		[]string{"id", "stream_id", "stream_type", "version", "type", "schema_version", "payload", "metadata", "occurred_at", "hash"},
		pgx.CopyFromRows(rows))
	if postgres.IsUniqueViolation(err) {
		return nil, &ConflictError{StreamID: firstStream(appends), ActualVersion: -1}
	}
	if err != nil {
		return nil, fmt.Errorf("insert events: %w", err)
	}
	if _, err := tx.Exec(ctx, "select pg_notify($1, '')", NotifyChannel); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return stored, nil
}

func firstStream(a []StreamAppend) string {
	if len(a) == 1 {
		return a[0].StreamID
	}
	return "(batch)"
}

type streamHead struct {
	version int
	hash    string
}

func streamHeads(ctx context.Context, tx pgx.Tx, ids []string) (map[string]streamHead, error) {
	rows, err := tx.Query(ctx, `select distinct on (stream_id) stream_id, version, hash from events
		where stream_id = any($1) order by stream_id, version desc`, ids)
	if err != nil {
		return nil, fmt.Errorf("read stream heads: %w", err)
	}
	heads := make(map[string]streamHead, len(ids))
	for rows.Next() {
		var id string
		var h streamHead
		if err := rows.Scan(&id, &h.version, &h.hash); err != nil {
			return nil, fmt.Errorf("scan stream head: %w", err)
		}
		heads[id] = h
	}
	return heads, rows.Err()
}

// chainHash links an event to its predecessor in the stream: sha256 over the previous hash and
// every stored field, so editing, removing or reordering an event breaks the chain.
func chainHash(prev string, e Event, meta []byte) string {
	h := sha256.New()
	for _, part := range []string{prev, e.ID, e.StreamID, e.StreamType, strconv.Itoa(e.Version), e.Type,
		strconv.Itoa(e.SchemaVersion), string(e.Payload), string(meta), strconv.FormatInt(e.OccurredAt.UnixMicro(), 10)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

const selectEvent = `select position, id::text, stream_id, stream_type, version, type, schema_version,
	payload::text, metadata::text, occurred_at, hash, tx_id::text::bigint from events `

func scanEvents(rows pgx.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanOne(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanOne(rows pgx.Rows) (Event, error) {
	var e Event
	var payload, meta string
	var tx int64
	if err := rows.Scan(&e.Position, &e.ID, &e.StreamID, &e.StreamType, &e.Version, &e.Type, &e.SchemaVersion,
		&payload, &meta, &e.OccurredAt, &e.Hash, &tx); err != nil {
		return e, fmt.Errorf("scan event: %w", err)
	}
	e.Payload = json.RawMessage(payload)
	e.TxID = uint64(tx)
	if err := json.Unmarshal([]byte(meta), &e.Metadata); err != nil {
		return e, fmt.Errorf("decode metadata of event %s: %w", e.ID, err)
	}
	e.OccurredAt = e.OccurredAt.UTC()
	return e, nil
}

// ReadStream returns a stream's events with version > after, oldest first.
func (s *Store) ReadStream(ctx context.Context, streamID string, after int) ([]Event, error) {
	rows, err := s.pool.Query(ctx, selectEvent+`where stream_id = $1 and version > $2 order by version`, streamID, after)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	return scanEvents(rows)
}

// ReadStreamRange returns a stream's events with after < version < before.
func (s *Store) ReadStreamRange(ctx context.Context, streamID string, after, before int) ([]Event, error) {
	rows, err := s.pool.Query(ctx, selectEvent+`where stream_id = $1 and version > $2 and version < $3 order by version`, streamID, after, before)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	return scanEvents(rows)
}

// Cursor is a position in commit-safe global order: events are read ordered by (TxID, Position)
// and only from transactions older than every transaction still in flight.
type Cursor struct {
	TxID     uint64 `json:"txId"`
	Position int64  `json:"position"`
}

// Next returns the cursor just after e.
func (c Cursor) Next(e Event) Cursor { return Cursor{TxID: e.TxID, Position: e.Position} }

// ReadAll returns up to limit events after c that are safe to read: all transactions that could
// still commit an event ordered before them have finished.
func (s *Store) ReadAll(ctx context.Context, c Cursor, limit int) ([]Event, error) {
	rows, err := s.pool.Query(ctx, selectEvent+`where (tx_id, position) > ($1::text::xid8, $2)
		and tx_id < pg_snapshot_xmin(pg_current_snapshot()) order by tx_id, position limit $3`,
		strconv.FormatUint(c.TxID, 10), c.Position, limit)
	if err != nil {
		return nil, fmt.Errorf("read all after %d/%d: %w", c.TxID, c.Position, err)
	}
	return scanEvents(rows)
}

// EventAt returns the event at a global position.
func (s *Store) EventAt(ctx context.Context, position int64) (Event, error) {
	rows, err := s.pool.Query(ctx, selectEvent+`where position = $1`, position)
	if err != nil {
		return Event{}, fmt.Errorf("read event %d: %w", position, err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return Event{}, err
	}
	if len(evs) == 0 {
		return Event{}, fault.NotFound("event at position", strconv.FormatInt(position, 10))
	}
	return evs[0], nil
}

// Head is the highest position stored.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var p int64
	err := s.pool.QueryRow(ctx, `select coalesce(max(position), 0) from events`).Scan(&p)
	if err != nil {
		return 0, fmt.Errorf("read head: %w", err)
	}
	return p, nil
}

// Claim reserves value in scope for streamID within tx; a taken value is a conflict.
func Claim(ctx context.Context, tx pgx.Tx, scope, value, streamID string) error {
	_, err := tx.Exec(ctx, `insert into stream_claims (scope, value, stream_id) values ($1, $2, $3)`, scope, value, streamID)
	if postgres.IsUniqueViolation(err) {
		return fault.Conflict(fmt.Sprintf("%s %q is already taken", scope, value))
	}
	if err != nil {
		return fmt.Errorf("claim %s %s: %w", scope, value, err)
	}
	return nil
}

// ClaimOwner returns the stream that claimed value in scope, or "" when none did.
func (s *Store) ClaimOwner(ctx context.Context, scope, value string) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, `select stream_id from stream_claims where scope = $1 and value = $2`, scope, value).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up claim %s %s: %w", scope, value, err)
	}
	return id, nil
}

// Release frees value in scope when streamID holds it (a rename or a removal), within tx.
func Release(ctx context.Context, tx pgx.Tx, scope, value, streamID string) error {
	if _, err := tx.Exec(ctx, `delete from stream_claims where scope = $1 and value = $2 and stream_id = $3`, scope, value, streamID); err != nil {
		return fmt.Errorf("release %s %s: %w", scope, value, err)
	}
	return nil
}
