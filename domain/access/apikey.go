package access

import (
	"strings"
	"time"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// APIKey lets a program call the API as its owner. Rules: a name of 1-64 characters; an optional
// expiry in the future (at most ten years out); once revoked a key stays revoked.
type APIKey struct {
	eventsourcing.Root
	Name    string
	OwnerID string
	Revoked bool
	created bool
}

func (*APIKey) StreamType() string { return StreamAPIKey }

// Exists reports whether the key's stream holds a creation event.
func (k *APIKey) Exists() bool { return k.created }

// CreateAPIKey records a new key. hash is the digest of the secret the caller generated.
func CreateAPIKey(id, name, prefix, hash, ownerID, ownerName string, expiresInDays int, now time.Time) (*APIKey, error) {
	var c fault.Collect
	name = strings.TrimSpace(name)
	c.Check(name != "" && len([]rune(name)) <= 64, "name", "name must have 1-64 characters")
	c.Check(expiresInDays >= 0 && expiresInDays <= 3650, "expiresInDays", "expiresInDays must be between 0 (never) and 3650")
	if err := c.Err(); err != nil {
		return nil, err
	}
	var exp *time.Time
	if expiresInDays > 0 {
		t := now.Add(time.Duration(expiresInDays) * 24 * time.Hour).UTC().Truncate(time.Second)
		exp = &t
	}
	k := &APIKey{}
	k.SetID(id)
	eventsourcing.Record(k, APIKeyCreated{KeyID: id, Name: name, Prefix: prefix, Hash: hash, OwnerID: ownerID, OwnerName: ownerName, ExpiresAt: exp})
	return k, nil
}

// Revoke stops the key; only its owner or an admin may (checked by the caller's policy).
func (k *APIKey) Revoke() error {
	if !k.created {
		return fault.NotFound("api key", k.ID())
	}
	if k.Revoked {
		return nil
	}
	eventsourcing.Record(k, APIKeyRevoked{KeyID: k.ID()})
	return nil
}

// Transition applies an event to the key's state.
func (k *APIKey) Transition(e eventsourcing.Event) {
	switch e := e.(type) {
	case APIKeyCreated:
		k.created = true
		k.Name, k.OwnerID = e.Name, e.OwnerID
	case APIKeyRevoked:
		k.Revoked = true
	}
}
