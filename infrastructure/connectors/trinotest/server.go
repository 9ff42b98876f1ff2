// Package trinotest is a Trino coordinator for tests: no Trino, PrestoDB or Hive server runs on the
// machines the tests run on (no containers either), so tests talk to this one instead.
//
// Server speaks the client protocol at the wire level as documented for Trino: POST /v1/statement
// answered with a QUEUED response whose nextUri pages through the result (typed columns with type
// signatures, at most PageRows rows a page), prepared statements carried in the
// X-Trino-Prepared-Statement header and run with EXECUTE ... USING, update types and counts,
// failures as an error object with errorName and errorType, DELETE of a query's URI, GET /v1/info,
// and the PrestoDB flavour (X-Presto-* headers, refusing X-Trino-* ones). A statement's user must
// be Server.User when that is set; there is no other authentication.
//
// What executes the statements is an Engine: a fixed table of answers (protocol tests) or a
// Warehouse, which runs them in a PostgreSQL database of their own (see Warehouse for exactly what
// it emulates).
package trinotest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Session is what a statement's headers say about where it runs.
type Session struct {
	User    string
	Catalog string
	Schema  string
}

// Column is a result column with its Trino type ("varchar(20)", "decimal(10,2)", "bigint" ...).
type Column struct {
	Name string
	Type string
}

// Result is what a statement returns: columns and rows of JSON-ready values (numbers as
// json.Number or Go numbers, text, booleans, nil), and for statements that change something the
// update type ("INSERT", "CREATE TABLE" ...) and, when it counts rows, the count.
type Result struct {
	Columns     []Column
	Rows        [][]any
	UpdateType  string
	UpdateCount *int64
}

// Error is a failed statement as Trino reports it.
type Error struct {
	Name    string // errorName: TABLE_NOT_FOUND, SYNTAX_ERROR ...
	Type    string // errorType: USER_ERROR, INTERNAL_ERROR ...
	Message string
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

// Engine executes one statement (EXECUTE already resolved to the prepared statement's text with
// the arguments in place of its ? marks).
type Engine interface {
	Execute(ctx context.Context, s Session, sql string) (Result, error)
}

// EngineFunc is an Engine written as a function.
type EngineFunc func(ctx context.Context, s Session, sql string) (Result, error)

func (f EngineFunc) Execute(ctx context.Context, s Session, sql string) (Result, error) {
	return f(ctx, s, sql)
}

// PageRows is how many rows one response page holds.
const PageRows = 1000

// Server is a coordinator on a local port.
type Server struct {
	// URL is the coordinator's base URL; Host and Port the same, split for datasource settings.
	URL  string
	Host string
	Port int
	// Prefix is "X-Trino-" (default) or "X-Presto-".
	Prefix string
	// User, when set, is the only user statements are accepted from (others get 401).
	User string

	intercept func(sql string) error

	engine  Engine
	mu      sync.Mutex
	queries map[string]*query
	seen    []string
	next    int
}

type query struct {
	res Result
}

// Start runs a coordinator for the test's lifetime with the Trino flavour of the protocol.
func Start(t testing.TB, engine Engine) *Server {
	return StartFlavour(t, engine, "X-Trino-", "")
}

// StartFlavour runs a coordinator speaking with the given header prefix ("X-Trino-" or
// "X-Presto-") and accepting statements only from user (any user when "").
func StartFlavour(t testing.TB, engine Engine, prefix, user string) *Server {
	s := &Server{Prefix: prefix, User: user, engine: engine, queries: map[string]*query{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	s.URL, s.Host = srv.URL, u.Hostname()
	s.Port, _ = strconv.Atoi(u.Port())
	return s
}

// Intercept makes fn see each statement before it runs; an error from fn fails the statement
// instead (tests use it to stop a client at a chosen point). nil removes it.
func (s *Server) Intercept(fn func(sql string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intercept = fn
}

// Statements returns every statement received so far, EXECUTE resolved, in order.
func (s *Server) Statements() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	other := "X-Presto-"
	if s.Prefix == "X-Presto-" {
		other = "X-Trino-"
	}
	for k := range r.Header {
		if strings.HasPrefix(http.CanonicalHeaderKey(k), other) {
			s.fail(w, http.StatusBadRequest, &Error{Name: "GENERIC_USER_ERROR", Type: "USER_ERROR", Message: "unexpected header " + k})
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet && r.URL.Path == "/v1/info" { // unauthenticated, as on a real coordinator
		_ = json.NewEncoder(w).Encode(map[string]any{"nodeVersion": map[string]any{"version": "476"}, "environment": "test",
			"coordinator": true, "starting": false, "uptime": "1.00m"})
		return
	}
	// Statements need a known user; nextUri pages are authorised by the query's own URI.
	if (r.Method == http.MethodPost || r.Method == http.MethodHead) && s.User != "" && r.Header.Get(s.Prefix+"User") != s.User {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodHead && r.URL.Path == "/v1/statement":
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/statement":
		s.post(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/statement/executing/"):
		s.page(w, r)
	case r.Method == http.MethodDelete:
		id := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/statement/executing/"), "/")[0]
		s.mu.Lock()
		delete(s.queries, id)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sql, perr := resolveExecute(strings.TrimSpace(string(body)), r.Header.Values(s.Prefix+"Prepared-Statement"))
	s.mu.Lock()
	s.seen = append(s.seen, sql)
	s.next++
	id := strconv.Itoa(s.next)
	s.mu.Unlock()
	if perr != nil {
		s.fail(w, http.StatusOK, perr)
		return
	}
	s.mu.Lock()
	intercept := s.intercept
	s.mu.Unlock()
	if intercept != nil {
		if err := intercept(sql); err != nil {
			s.fail(w, http.StatusOK, &Error{Name: "GENERIC_INTERNAL_ERROR", Type: "INTERNAL_ERROR", Message: err.Error()})
			return
		}
	}
	sess := Session{User: r.Header.Get(s.Prefix + "User"), Catalog: r.Header.Get(s.Prefix + "Catalog"), Schema: r.Header.Get(s.Prefix + "Schema")}
	res, err := s.engine.Execute(r.Context(), sess, sql)
	if err != nil {
		te, ok := err.(*Error)
		if !ok {
			te = &Error{Name: "GENERIC_INTERNAL_ERROR", Type: "INTERNAL_ERROR", Message: err.Error()}
		}
		s.fail(w, http.StatusOK, te)
		return
	}
	s.mu.Lock()
	s.queries[id] = &query{res: res}
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": id, "infoUri": "http://" + r.Host + "/ui/query.html?" + id,
		"nextUri": "http://" + r.Host + "/v1/statement/executing/" + id + "/0",
		"stats":   map[string]any{"state": "QUEUED", "queued": true, "scheduled": false},
	})
}

// page answers a nextUri: the columns and the next PageRows rows, with a nextUri while more remain.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/statement/executing/"), "/")
	id := parts[0]
	n := 0
	if len(parts) > 1 {
		n, _ = strconv.Atoi(parts[1])
	}
	s.mu.Lock()
	q, ok := s.queries[id]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	res := q.res
	from, to := min(n*PageRows, len(res.Rows)), min((n+1)*PageRows, len(res.Rows))
	out := map[string]any{"id": id, "infoUri": "http://" + r.Host + "/ui/query.html?" + id}
	if len(res.Columns) > 0 {
		cols := make([]map[string]any, len(res.Columns))
		for i, c := range res.Columns {
			cols[i] = map[string]any{"name": c.Name, "type": c.Type, "typeSignature": signature(c.Type)}
		}
		out["columns"] = cols
		if to > from {
			out["data"] = res.Rows[from:to]
		}
	}
	if to < len(res.Rows) {
		out["nextUri"] = "http://" + r.Host + "/v1/statement/executing/" + id + "/" + strconv.Itoa(n+1)
		out["stats"] = map[string]any{"state": "RUNNING", "queued": false, "scheduled": true, "processedRows": to}
	} else {
		out["stats"] = map[string]any{"state": "FINISHED", "queued": false, "scheduled": true, "processedRows": len(res.Rows)}
		s.mu.Lock()
		delete(s.queries, id)
		s.mu.Unlock()
	}
	if res.UpdateType != "" {
		out["updateType"] = res.UpdateType
		if res.UpdateCount != nil {
			out["updateCount"] = *res.UpdateCount
		}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// signature is a type's typeSignature: its raw type and numeric arguments ("decimal(10,2)").
func signature(typ string) map[string]any {
	raw, rest, hasArgs := strings.Cut(typ, "(")
	raw = strings.TrimSpace(raw)
	if strings.HasSuffix(typ, " with time zone") {
		raw += " with time zone"
	}
	args := []any{}
	if hasArgs {
		inner, _, _ := strings.Cut(rest, ")")
		for _, a := range strings.Split(inner, ",") {
			if n, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64); err == nil {
				args = append(args, map[string]any{"kind": "LONG", "value": n})
			}
		}
	}
	return map[string]any{"rawType": strings.TrimSpace(raw), "arguments": args}
}

func (s *Server) fail(w http.ResponseWriter, status int, e *Error) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": "failed", "stats": map[string]any{"state": "FAILED"},
		"error": map[string]any{"message": e.Message, "errorCode": 1, "errorName": e.Name, "errorType": e.Type}})
}

// resolveExecute turns "EXECUTE name USING a, b" into the prepared statement's text (from the
// Prepared-Statement headers, name=url-encoded text, comma separated) with the arguments in place
// of its ? marks, outside string literals.
func resolveExecute(sql string, prepared []string) (string, *Error) {
	toks := tokenize(sql)
	sig := significant(toks)
	if len(sig) < 2 || !strings.EqualFold(sig[0].text, "execute") {
		return sql, nil
	}
	name := strings.ToLower(sig[1].text)
	var stmt string
	found := false
	for _, h := range prepared {
		for _, p := range strings.Split(h, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, name) {
				stmt, _ = url.QueryUnescape(v)
				found = true
			}
		}
	}
	if !found {
		return sql, &Error{Name: "NOT_FOUND", Type: "USER_ERROR", Message: fmt.Sprintf("Prepared statement not found: %s", name)}
	}
	var args []string
	if len(sig) > 2 && strings.EqualFold(sig[2].text, "using") {
		start := sig[2].pos + 1
		depth := 0
		var cur strings.Builder
		for _, t := range toks[start:] {
			switch {
			case t.kind == 'p' && (t.text == "(" || t.text == "["):
				depth++
			case t.kind == 'p' && (t.text == ")" || t.text == "]"):
				depth--
			case t.kind == 'p' && t.text == "," && depth == 0:
				args = append(args, strings.TrimSpace(cur.String()))
				cur.Reset()
				continue
			}
			cur.WriteString(t.text)
		}
		args = append(args, strings.TrimSpace(cur.String()))
	}
	var out strings.Builder
	n := 0
	for _, t := range tokenize(stmt) {
		if t.kind == 'p' && t.text == "?" {
			if n >= len(args) {
				return stmt, &Error{Name: "INVALID_PARAMETER_USAGE", Type: "USER_ERROR", Message: "Incorrect number of parameters"}
			}
			out.WriteString(args[n])
			n++
			continue
		}
		out.WriteString(t.text)
	}
	if n != len(args) {
		return stmt, &Error{Name: "INVALID_PARAMETER_USAGE", Type: "USER_ERROR", Message: "Incorrect number of parameters"}
	}
	return out.String(), nil
}
