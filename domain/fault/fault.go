// Package fault defines the small set of error kinds every layer speaks. Each kind carries a stable
// code; the HTTP adapter maps kinds to statuses in one place, so a domain rule never knows about HTTP.
package fault

import (
	"errors"
	"fmt"
)

// Kind classifies an error for callers; it decides the code and the HTTP status.
type Kind int

const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthorized
	KindForbidden
	KindNotFound
	KindConflict
	KindRateLimited
	KindDatasource
	KindTimeout
)

// Code is the stable machine-readable code of a kind, as sent in the error envelope.
func (k Kind) Code() string {
	switch k {
	case KindInvalid:
		return "INVALID_PARAM"
	case KindUnauthorized:
		return "UNAUTHORIZED"
	case KindForbidden:
		return "FORBIDDEN"
	case KindNotFound:
		return "NOT_FOUND"
	case KindConflict:
		return "CONFLICT"
	case KindRateLimited:
		return "RATE_LIMITED"
	case KindDatasource:
		return "DATASOURCE_ERROR"
	case KindTimeout:
		return "TIMEOUT"
	default:
		return "INTERNAL_ERROR"
	}
}

// Detail points at one problem, usually one field of the input.
type Detail struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error is a classified error. Message is safe to show to a user; Err (if any) is the cause kept for
// logs and errors.Is, never sent to clients.
type Error struct {
	Kind    Kind
	Message string
	Details []Detail
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, fault.ErrNotFound) and friends match any error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is checks by kind.
var (
	ErrInvalid      = &Error{Kind: KindInvalid}
	ErrUnauthorized = &Error{Kind: KindUnauthorized}
	ErrForbidden    = &Error{Kind: KindForbidden}
	ErrNotFound     = &Error{Kind: KindNotFound}
	ErrConflict     = &Error{Kind: KindConflict}
)

// Invalid reports bad input. Details name the offending fields.
func Invalid(msg string, details ...Detail) *Error {
	return &Error{Kind: KindInvalid, Message: msg, Details: details}
}

// Field is a shorthand for a one-field validation error.
func Field(field, msg string) *Error {
	return Invalid(msg, Detail{Field: field, Message: msg})
}

func Unauthorized(msg string) *Error { return &Error{Kind: KindUnauthorized, Message: msg} }
func Forbidden(msg string) *Error    { return &Error{Kind: KindForbidden, Message: msg} }
func NotFound(what, id string) *Error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf("%s %q not found", what, id)}
}
func Conflict(msg string) *Error { return &Error{Kind: KindConflict, Message: msg} }

// Wrap classifies a cause with a user-facing message.
func Wrap(kind Kind, msg string, err error) *Error { return &Error{Kind: kind, Message: msg, Err: err} }

// KindOf returns the kind of the first classified error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Collect accumulates field problems and returns one Invalid error holding all of them, so a form
// shows every mistake at once.
type Collect struct{ details []Detail }

func (c *Collect) Add(field, msg string) {
	c.details = append(c.details, Detail{Field: field, Message: msg})
}

// Check adds the problem when ok is false.
func (c *Collect) Check(ok bool, field, msg string) {
	if !ok {
		c.Add(field, msg)
	}
}

// Err returns nil when nothing was added.
func (c *Collect) Err() error {
	if len(c.details) == 0 {
		return nil
	}
	msg := c.details[0].Message
	if len(c.details) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(c.details)-1)
	}
	return Invalid(msg, c.details...)
}
