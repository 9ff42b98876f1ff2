package dataservice

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"assetflow/application/memo"
	"assetflow/domain/dataservice"
	"assetflow/domain/datasource"
	"assetflow/domain/fault"
)

// Definitions finds the version a call reaches: the given version, or the highest active one.
type Definitions interface {
	Definition(ctx context.Context, code, version string) (dataservice.Definition, string, error)
}

// Gateway serves /data-api/{code}: authentication, visibility, IP whitelist, rate limit, parameter
// validation, bound execution, paging, transform, cache, and a logged fact for every call.
type Gateway struct {
	defs    Definitions
	sources Datasources
	facts   Facts
	buckets sync.Map // code@version -> *bucket
	cache   *resultCache
	now     func() time.Time
	// StatusOf maps an error kind to the HTTP status the adapter sends (logged with each call).
	StatusOf func(fault.Kind) int
	// Definitions and datasources are reused for DefinitionTTL: an edit reaches callers within it.
	defCache *memo.TTL[cachedDef]
	srcCache *memo.TTL[cachedSource]
	calls    *callLog
	// Guard, when set, holds each call to the data permissions of its caller.
	Guard CallGuard
}

// CallGuard checks a report-API statement against data permissions: an authenticated caller's
// own; an anonymous caller's through the interface's owner.
type CallGuard interface {
	CheckCall(ctx context.Context, who CallerInfo, def dataservice.Definition, sql string, export bool) (string, error)
}

// DefinitionTTL is how long the gateway reuses a loaded definition or datasource.
const DefinitionTTL = time.Second

type cachedDef struct {
	def    dataservice.Definition
	status string
}

type cachedSource struct {
	q   Querier
	cfg datasource.Config
}

// cachedSources serves OpenQuerier from the gateway's short-lived cache.
type cachedSources struct{ g *Gateway }

func (s cachedSources) OpenQuerier(ctx context.Context, id string) (Querier, datasource.Config, error) {
	v, err := s.g.srcCache.Get(id, s.g.now(), func() (cachedSource, error) {
		q, cfg, err := s.g.sources.OpenQuerier(ctx, id)
		return cachedSource{q, cfg}, err
	})
	return v.q, v.cfg, err
}

// NewGateway wires the gateway.
func NewGateway(defs Definitions, sources Datasources, facts Facts) *Gateway {
	if defs == nil || sources == nil || facts == nil {
		panic("dataservice.NewGateway: nil dependency")
	}
	return &Gateway{defs: defs, sources: sources, facts: facts, cache: newResultCache(10000), now: time.Now,
		defCache: memo.New[cachedDef](DefinitionTTL), srcCache: memo.New[cachedSource](DefinitionTTL), calls: newCallLog(facts)}
}

// FlushCalls records the calls not yet recorded (on shutdown, and where a caller needs its call
// logged before it goes on).
func (g *Gateway) FlushCalls(ctx context.Context) error { return g.calls.Flush(ctx) }

// CallInput is everything a call carries.
type CallInput struct {
	Version string
	// Export marks a CSV download (logged as execute type "export").
	Export bool
	Query  map[string][]string
	Header func(name string) (string, bool) // a request header, any case; nil when there are none
	Body   map[string]any
	Path   map[string]string
}

// CallerInfo is who calls and from where.
type CallerInfo struct {
	Authenticated bool
	APIKey        bool
	UserID, Name  string
	Roles         []string
	ClientIP      string
	// AuthErr is why authentication failed, when credentials were sent but refused.
	AuthErr error
}

// PageMeta is the paging envelope meta.
type PageMeta struct {
	Page     int            `json:"page"`
	PageSize int            `json:"pageSize"`
	Total    int64          `json:"total"`
	HasNext  bool           `json:"hasNext"`
	Totals   map[string]any `json:"totals,omitempty"`
}

// Response is a call's answer.
type Response struct {
	Data []map[string]any `json:"data"`
	// Columns are the output columns in order, after the transform.
	Columns []string  `json:"-"`
	Meta    *PageMeta `json:"meta,omitempty"`
	// Body is Data encoded (EncodeRows), once per run: cached answers are served as these bytes.
	Body     []byte `json:"-"`
	Version  string `json:"-"`
	CacheHit bool   `json:"-"`
	// Statement and Args are the bound SQL (try-runs show them).
	Statement string `json:"-"`
	Args      []any  `json:"-"`
}

// Forget makes this replica reload an interface's definitions on the next call (after an edit or a
// lifecycle change here; other replicas follow within DefinitionTTL).
func (g *Gateway) Forget(code string) { g.defCache.Forget(code + "@") }

// Call serves one request and logs it.
func (g *Gateway) Call(ctx context.Context, code string, in CallInput, who CallerInfo) (resp Response, err error) {
	start := g.now()
	var def dataservice.Definition
	var params map[string]any
	defer func() {
		status := 200
		if err != nil && g.StatusOf != nil {
			status = g.StatusOf(fault.KindOf(err))
		}
		latency := g.now().Sub(start)
		e := dataservice.InterfaceCalled{CallShape: dataservice.CallShape{Code: code, Version: def.Version, CallerID: who.UserID, CallerName: who.Name,
			ClientIP: who.ClientIP, Params: redact(params), Status: status, Execute: "query"}, Rows: len(resp.Data), CacheHit: resp.CacheHit}
		if in.Export {
			e.Execute = "export"
		}
		if err != nil {
			e.ErrorCode, e.Error = fault.KindOf(err).Code(), err.Error()
		}
		g.calls.add(e, start, latency)
	}()
	cd, err := g.defCache.Get(code+"@"+in.Version, start, func() (cachedDef, error) {
		d, st, err := g.defs.Definition(ctx, code, in.Version)
		return cachedDef{d, st}, err
	})
	if err != nil {
		return resp, err
	}
	def, status := cd.def, cd.status
	if status != "active" && !(status == "deprecated" && in.Version != "") {
		return resp, fault.NotFound("interface", code)
	}
	if err := authorize(def, who); err != nil {
		return resp, err
	}
	if !g.allow(def) {
		return resp, &fault.Error{Kind: fault.KindRateLimited, Message: fmt.Sprintf("rate limit of %v requests/s exceeded; retry shortly", def.RateLimit.RPS)}
	}
	if params, err = Validate(def.Parameters, in); err != nil {
		return resp, err
	}
	key := ""
	if def.Cache != nil && def.Cache.Enabled {
		key = cacheKey(def, params)
		if g.Guard != nil {
			key += "|caller=" + who.UserID // masks and row filters differ per caller
		}
		if hit, ok := g.cache.get(key, g.now()); ok {
			hit.CacheHit = true
			return hit, nil
		}
	}
	var guard StatementGuard
	if g.Guard != nil {
		guard = func(ctx context.Context, sql string) (string, error) {
			return g.Guard.CheckCall(ctx, who, def, sql, in.Export)
		}
	}
	resp, err = Execute(ctx, cachedSources{g}, def, params, guard)
	if err != nil {
		return resp, err
	}
	resp.Version = def.Version
	if !in.Export {
		if resp.Body, err = EncodeRows(resp.Columns, resp.Data); err != nil {
			return resp, fmt.Errorf("encode the answer of %s: %w", code, err)
		}
	}
	if key != "" {
		g.cache.put(key, resp, g.now().Add(time.Duration(def.Cache.TTLSeconds)*time.Second))
	}
	return resp, nil
}

func authorize(def dataservice.Definition, who CallerInfo) error {
	if def.AuthRequired && !who.Authenticated {
		if who.AuthErr != nil {
			return who.AuthErr
		}
		return fault.Unauthorized("this interface needs a token (Authorization: Bearer) or an API key (X-API-Key)")
	}
	if def.Visibility == "partner" && !who.APIKey {
		return fault.Forbidden("partner interfaces are called with an API key")
	}
	if len(def.AllowedRoles) > 0 && !slices.ContainsFunc(who.Roles, func(r string) bool { return slices.Contains(def.AllowedRoles, r) }) {
		return fault.Forbidden("your roles may not call this interface")
	}
	if len(def.IPWhitelist) > 0 && !ipAllowed(def.IPWhitelist, who.ClientIP) {
		return fault.Forbidden("calls from " + who.ClientIP + " are not allowed")
	}
	return nil
}

func ipAllowed(list []string, ip string) bool {
	addr := net.ParseIP(ip)
	for _, entry := range list {
		if _, cidr, err := net.ParseCIDR(entry); err == nil && addr != nil && cidr.Contains(addr) {
			return true
		}
		if e := net.ParseIP(entry); e != nil && addr != nil && e.Equal(addr) {
			return true
		}
	}
	return false
}

type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// allow takes a token from the interface's bucket.
func (g *Gateway) allow(def dataservice.Definition) bool {
	if def.RateLimit == nil || def.RateLimit.RPS <= 0 {
		return true
	}
	v, _ := g.buckets.LoadOrStore(def.Code+"@"+def.Version, &bucket{tokens: float64(def.RateLimit.Burst), last: g.now()})
	b := v.(*bucket)
	b.mu.Lock()
	defer b.mu.Unlock()
	now := g.now()
	b.tokens = math.Min(float64(def.RateLimit.Burst), b.tokens+now.Sub(b.last).Seconds()*def.RateLimit.RPS)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

var (
	dateLayouts     = []string{"2006-01-02"}
	datetimeLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05"}
)

// Validate collects, types and checks every parameter; problems come back together.
func Validate(ps []dataservice.Parameter, in CallInput) (map[string]any, error) {
	var c fault.Collect
	out := map[string]any{}
	for _, p := range ps {
		raw, present := lookup(p, in)
		if !present || raw == nil || raw == "" {
			if p.Default != nil {
				raw, present = p.Default, true
			} else if p.Required {
				c.Add(p.Name, p.Name+" is required")
				continue
			} else {
				out[p.Name] = nil
				continue
			}
		}
		v, err := coerce(p, raw)
		if err != "" {
			c.Add(p.Name, p.Name+" "+err)
			continue
		}
		if msg := check(p, v); msg != "" {
			c.Add(p.Name, p.Name+" "+msg)
			continue
		}
		out[p.Name] = v
	}
	return out, c.Err()
}

func lookup(p dataservice.Parameter, in CallInput) (any, bool) {
	switch p.In {
	case "path":
		v, ok := in.Path[p.Name]
		return v, ok
	case "header":
		if in.Header == nil {
			return nil, false
		}
		return in.Header(p.Name)
	case "body":
		v, ok := in.Body[p.Name]
		return v, ok
	}
	vs, ok := in.Query[p.Name]
	if !ok {
		if v, inBody := in.Body[p.Name]; inBody { // POST callers may send query parameters in the body
			return v, true
		}
		return nil, false
	}
	if p.Type == "array" {
		var all []any
		for _, v := range vs {
			for _, part := range strings.Split(v, ",") {
				all = append(all, part)
			}
		}
		return all, true
	}
	return vs[0], true
}

// coerce converts a raw value to the parameter's type, or says why it cannot.
func coerce(p dataservice.Parameter, raw any) (any, string) {
	s, isString := raw.(string)
	switch p.Type {
	case "string":
		if isString {
			return s, ""
		}
		return fmt.Sprint(raw), ""
	case "integer":
		switch x := raw.(type) {
		case float64:
			if x != math.Trunc(x) {
				return nil, "must be an integer"
			}
			return int64(x), ""
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, "must be an integer"
			}
			return n, ""
		}
		return nil, "must be an integer"
	case "number":
		switch x := raw.(type) {
		case float64:
			return x, ""
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, "must be a number"
			}
			return f, ""
		}
		return nil, "must be a number"
	case "boolean":
		switch x := raw.(type) {
		case bool:
			return x, ""
		case string:
			b, err := strconv.ParseBool(x)
			if err != nil {
				return nil, "must be true or false"
			}
			return b, ""
		}
		return nil, "must be true or false"
	case "date":
		if !isString {
			return nil, "must be a date (yyyy-MM-dd)"
		}
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.Format("2006-01-02"), ""
			}
		}
		return nil, "must be a date (yyyy-MM-dd)"
	case "datetime":
		if !isString {
			return nil, "must be a date-time (RFC 3339 or yyyy-MM-dd HH:mm:ss)"
		}
		for _, l := range datetimeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t, ""
			}
		}
		return nil, "must be a date-time (RFC 3339 or yyyy-MM-dd HH:mm:ss)"
	case "array":
		switch x := raw.(type) {
		case []any:
			return x, ""
		case string:
			var out []any
			for _, part := range strings.Split(x, ",") {
				out = append(out, part)
			}
			return out, ""
		}
		return nil, "must be a list"
	case "object":
		if m, ok := raw.(map[string]any); ok {
			b, _ := json.Marshal(m)
			return string(b), ""
		}
		return nil, "must be an object"
	}
	return raw, ""
}

func check(p dataservice.Parameter, v any) string {
	if len(p.Enum) > 0 && !slices.ContainsFunc(p.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		opts := make([]string, len(p.Enum))
		for i, e := range p.Enum {
			opts[i] = fmt.Sprint(e)
		}
		return "must be one of " + strings.Join(opts, ", ")
	}
	if s, ok := v.(string); ok {
		if p.MaxLength != nil && len([]rune(s)) > *p.MaxLength {
			return fmt.Sprintf("must have at most %d characters", *p.MaxLength)
		}
		if p.MinLength != nil && len([]rune(s)) < *p.MinLength {
			return fmt.Sprintf("must have at least %d characters", *p.MinLength)
		}
		if p.Pattern != "" {
			if re, err := regexp.Compile(p.Pattern); err == nil && !re.MatchString(s) {
				return "does not match " + p.Pattern
			}
		}
	}
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return ""
	}
	if p.Maximum != nil && f > *p.Maximum {
		return fmt.Sprintf("must be at most %v", *p.Maximum)
	}
	if p.Minimum != nil && f < *p.Minimum {
		return fmt.Sprintf("must be at least %v", *p.Minimum)
	}
	return ""
}

// StatementGuard answers the statement to run in place of a bound one, or why it may not run.
type StatementGuard func(ctx context.Context, sql string) (string, error)

// guardedQuerier passes every statement through a guard before it reaches the datasource.
type guardedQuerier struct {
	Querier
	guard StatementGuard
}

func (g guardedQuerier) Query(ctx context.Context, req datasource.QueryRequest, sink datasource.RowSink) (datasource.QueryResult, error) {
	sql, err := g.guard(ctx, req.SQL)
	if err != nil {
		return datasource.QueryResult{}, err
	}
	req.SQL = sql
	return g.Querier.Query(ctx, req, sink)
}

// Execute binds the parameters into the query (driver placeholders only), pages it, counts it,
// transforms the rows. Used by the gateway and by try-runs of drafts.
// guard, when not nil, checks each bound statement against the caller's data permissions and
// answers the statement to run (masks and row filters applied).
func Execute(ctx context.Context, sources Datasources, def dataservice.Definition, params map[string]any, guard StatementGuard) (Response, error) {
	q, cfg, err := sources.OpenQuerier(ctx, def.DatasourceID)
	if err != nil {
		return Response{}, err
	}
	if guard != nil {
		q = guardedQuerier{q, guard}
	}
	dollar := cfg.Type == datasource.PostgreSQL
	timeout := time.Duration(def.TimeoutMs) * time.Millisecond
	base := trimStatement(def.QueryTemplate)
	uses := dataservice.NamedParams(base)
	selfPaged := slices.Contains(uses, "pageSize") || slices.Contains(uses, "page")
	var meta *PageMeta
	paging := def.Pagination != nil && def.Pagination.Enabled
	if paging {
		page, size, err := pageParams(def, params)
		if err != nil {
			return Response{}, err
		}
		params["page"], params["pageSize"] = page, size
		meta = &PageMeta{Page: int(page), PageSize: int(size)}
	}
	value := func(name string) any { return params[name] }
	sql := base
	if paging && !selfPaged {
		sql = "select * from (\n" + base + "\n) assetflow_q limit :pageSize offset :assetflow_offset"
		params["assetflow_offset"] = (params["page"].(int64) - 1) * params["pageSize"].(int64)
	}
	statement, args := bindExpanding(sql, dollar, value)
	resp := Response{Data: []map[string]any{}, Meta: meta, Statement: statement, Args: args}
	var cols []datasource.ResultColumn
	_, err = q.Query(ctx, datasource.QueryRequest{SQL: statement, Args: args, MaxRows: def.MaxRows, Timeout: timeout, Database: def.Database,
		OnColumns: func(c []datasource.ResultColumn) {
			cols = c
			resp.Columns = outputColumns(def.Transform, c)
		}}, func(row []any) error {
		m := make(map[string]any, len(row))
		for i, v := range row {
			m[cols[i].Name] = jsonValue(v)
		}
		resp.Data = append(resp.Data, transform(def.Transform, m))
		return nil
	})
	if err != nil {
		return resp, err
	}
	if meta != nil {
		if err := total(ctx, q, def, meta, base, selfPaged, dollar, value, timeout, len(resp.Data)); err != nil {
			return resp, err
		}
	}
	return resp, nil
}

func pageParams(def dataservice.Definition, params map[string]any) (int64, int64, error) {
	page, size := int64(1), int64(def.Pagination.DefaultPageSize)
	if v, ok := params["page"].(int64); ok {
		page = v
	}
	if v, ok := params["pageSize"].(int64); ok {
		size = v
	}
	var c fault.Collect
	c.Check(page >= 1, "page", "page must be 1 or more")
	c.Check(size >= 1 && size <= int64(def.Pagination.MaxPageSize), "pageSize", fmt.Sprintf("pageSize must be between 1 and %d", def.Pagination.MaxPageSize))
	return page, size, c.Err()
}

// total fills meta.total from the 合计sql (one value: the total; several: a totals row) or a count.
func total(ctx context.Context, q Querier, def dataservice.Definition, meta *PageMeta, base string, selfPaged, dollar bool,
	value func(string) any, timeout time.Duration, got int) error {
	countSQL := ""
	if def.TotalEnabled && strings.TrimSpace(def.TotalSQL) != "" {
		statement, args := bindExpanding(trimStatement(def.TotalSQL), dollar, value)
		var cols []datasource.ResultColumn
		var row []any
		if _, err := q.Query(ctx, datasource.QueryRequest{SQL: statement, Args: args, MaxRows: 1, Timeout: timeout, Database: def.Database,
			OnColumns: func(c []datasource.ResultColumn) { cols = c }}, func(r []any) error { row = r; return nil }); err != nil {
			return err
		}
		if len(row) == 1 {
			meta.Total = toInt64(row[0])
		} else if len(row) > 1 {
			meta.Totals = map[string]any{}
			for i, v := range row {
				meta.Totals[cols[i].Name] = jsonValue(v)
			}
			countSQL = base
		}
	} else if !selfPaged {
		countSQL = base
	}
	if countSQL != "" && !selfPaged {
		statement, args := bindExpanding("select count(*) from (\n"+countSQL+"\n) assetflow_c", dollar, value)
		if _, err := q.Query(ctx, datasource.QueryRequest{SQL: statement, Args: args, MaxRows: 1, Timeout: timeout, Database: def.Database},
			func(r []any) error { meta.Total = toInt64(r[0]); return nil }); err != nil {
			return err
		}
	}
	if meta.Total > 0 {
		meta.HasNext = int64(meta.Page*meta.PageSize) < meta.Total
	} else {
		meta.HasNext = got == meta.PageSize // self-paged without a total: a full page may have more
	}
	return nil
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// bindExpanding binds :names; on engines with "?" placeholders a list parameter expands to
// "?, ?, ?" so `in (:ids)` works (PostgreSQL takes the list as one array: use = any(:ids)).
func bindExpanding(sql string, dollar bool, value func(string) any) (string, []any) {
	if dollar {
		return dataservice.Bind(sql, true, func(n string) any {
			if list, ok := value(n).([]any); ok {
				strs := make([]string, len(list))
				for i, x := range list {
					strs[i] = fmt.Sprint(x)
				}
				return strs
			}
			return value(n)
		})
	}
	statement, args := dataservice.Bind(sql, false, value)
	var b strings.Builder
	var flat []any
	ai := 0
	for i := 0; i < len(statement); i++ {
		if statement[i] == '?' && ai < len(args) {
			if list, ok := args[ai].([]any); ok {
				for j := range list {
					if j > 0 {
						b.WriteString(", ")
					}
					b.WriteByte('?')
				}
				flat = append(flat, list...)
			} else {
				b.WriteByte('?')
				flat = append(flat, args[ai])
			}
			ai++
			continue
		}
		b.WriteByte(statement[i])
	}
	return b.String(), flat
}

// outputColumns names the answer's columns in order, as the transform leaves them.
func outputColumns(t *dataservice.Transform, cols []datasource.ResultColumn) []string {
	var out []string
	for _, c := range cols {
		name := c.Name
		if t != nil {
			if slices.Contains(t.Exclude, name) {
				continue
			}
			if to, ok := t.Rename[name]; ok {
				name = to
			}
		}
		out = append(out, name)
	}
	return out
}

// WriteCSV writes an answer as CSV (BOM, header, PostgreSQL's dialect), for ?format=csv calls.
func (r Response) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return err
	}
	header := make([]any, len(r.Columns))
	for i, c := range r.Columns {
		header[i] = c
	}
	if err := writeCSVRow(bw, header, nil); err != nil {
		return err
	}
	row := make([]any, len(r.Columns))
	for _, m := range r.Data {
		for i, c := range r.Columns {
			row[i] = m[c]
		}
		if err := writeCSVRow(bw, row, nil); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func transform(t *dataservice.Transform, row map[string]any) map[string]any {
	if t == nil {
		return row
	}
	for _, x := range t.Exclude {
		delete(row, x)
	}
	for from, to := range t.Rename {
		if v, ok := row[from]; ok {
			delete(row, from)
			row[to] = v
		}
	}
	return row
}

var secretParam = regexp.MustCompile(`(?i)(password|passwd|secret|token|api[_-]?key|credential)`)

// redact encodes the call's parameters for the call log, secrets replaced by "***".
func redact(params map[string]any) json.RawMessage {
	out := params
	for k := range params {
		if secretParam.MatchString(k) {
			out = make(map[string]any, len(params))
			for k, v := range params {
				if secretParam.MatchString(k) {
					v = "***"
				}
				out[k] = v
			}
			break
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}

func cacheKey(def dataservice.Definition, params map[string]any) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(def.Code + "@" + def.Version)
	for _, k := range keys {
		v, _ := json.Marshal(params[k])
		b.WriteString("|" + k + "=" + string(v))
	}
	return b.String()
}

// resultCache is a bounded TTL cache of answers, per replica.
type resultCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]cached
}

type cached struct {
	resp    Response
	expires time.Time
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, entries: map[string]cached{}}
}

func (c *resultCache) get(key string, now time.Time) (Response, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.After(e.expires) {
		delete(c.entries, key)
		return Response{}, false
	}
	return e.resp, true
}

func (c *resultCache) put(key string, r Response, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k := range c.entries { // evict an arbitrary entry; stale ones go first on their own
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = cached{resp: r, expires: expires}
}
