package connectors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"assetflow/domain/datasource"
	"assetflow/domain/fault"
)

// Error kinds a connection problem is reported as, in plain words.
const (
	KindAuth        = "auth_failed"
	KindUnreachable = "unreachable"
	KindTimeout     = "timeout"
	KindUnknownDB   = "unknown_database"
	KindTLS         = "tls"
	KindNotFound    = "not_found"
	KindSyntax      = "syntax"
	KindPermission  = "permission_denied"
	KindCanceled    = "canceled"
	KindOther       = "error"
)

// Error is a classified engine error. Message is safe to show (no credentials); the driver's own
// message is kept as Detail because users need it to fix their SQL or server.
type Error struct {
	Kind    string
	Message string
	Detail  string
	Err     error
}

func (e *Error) Error() string {
	if e.Detail != "" && e.Detail != e.Message {
		return e.Message + ": " + e.Detail
	}
	return e.Message
}

// Unwrap exposes the cause and the fault kind the API maps to a status.
func (e *Error) Unwrap() []error {
	k := fault.KindDatasource
	switch e.Kind {
	case KindTimeout:
		k = fault.KindTimeout
	case KindSyntax, KindNotFound:
		k = fault.KindInvalid
	case KindPermission:
		k = fault.KindForbidden
	}
	return []error{e.Err, &fault.Error{Kind: k, Message: e.Error()}}
}

func unsupported(t datasource.Type) error {
	return fault.Field("type", fmt.Sprintf("unsupported datasource type %q", t))
}

// messages are the plain words shown for each kind.
var messages = map[string]string{
	KindAuth:        "authentication failed (check the username and password)",
	KindUnreachable: "host unreachable",
	KindTimeout:     "timed out",
	KindUnknownDB:   "unknown database",
	KindTLS:         "TLS handshake failed (check the TLS mode)",
	KindNotFound:    "table not found",
	KindSyntax:      "SQL error",
	KindPermission:  "permission denied",
	KindCanceled:    "the query was cancelled",
	KindOther:       "the database returned an error",
}

// classify turns a driver error into an Error, using engine-specific hints first.
func classify(err error, hint func(error) string) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	detail := redactDetail(err.Error())
	if hint != nil {
		if kind := hint(err); kind != "" {
			return &Error{Kind: kind, Message: messages[kind], Detail: detail, Err: err}
		}
	}
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return &Error{Kind: KindTimeout, Message: "timed out", Detail: detail, Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: KindCanceled, Message: "canceled", Detail: detail, Err: err}
	case errors.As(err, &dnsErr):
		return &Error{Kind: KindUnreachable, Message: "host unreachable: unknown host " + dnsErr.Name, Detail: detail, Err: err}
	case errors.As(err, &opErr), strings.Contains(detail, "connection refused"), strings.Contains(detail, "no route to host"):
		return &Error{Kind: KindUnreachable, Message: "host unreachable", Detail: detail, Err: err}
	case strings.Contains(strings.ToLower(detail), "tls"), strings.Contains(strings.ToLower(detail), "ssl"), strings.Contains(detail, "x509"):
		return &Error{Kind: KindTLS, Message: "TLS handshake failed (check the TLS mode)", Detail: detail, Err: err}
	}
	return &Error{Kind: KindOther, Message: "the database returned an error", Detail: detail, Err: err}
}

// redactDetail drops anything that looks like a DSN with credentials.
func redactDetail(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.Index(s[i+3:], "@"); j >= 0 {
			s = s[:i+3] + "***" + s[i+3+j:]
		}
	}
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return s
}

// ErrorKind reports the kind, for callers that only know the interface.
func (e *Error) ErrorKind() string { return e.Kind }
