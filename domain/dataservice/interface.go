package dataservice

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Parameter is one input of a report API (the design spec's parameter plus the model's
// display/export flags and input types).
type Parameter struct {
	Name        string   `json:"name"`
	In          string   `json:"in"`   // path | query | header | body
	Type        string   `json:"type"` // string | number | integer | boolean | date | datetime | array | object
	Required    bool     `json:"required"`
	Default     any      `json:"default,omitempty"`
	Enum        []any    `json:"enum,omitempty"`
	Format      string   `json:"format,omitempty"`
	Description string   `json:"description,omitempty"`
	Example     any      `json:"example,omitempty"`
	MaxLength   *int     `json:"max_length,omitempty"`
	MinLength   *int     `json:"min_length,omitempty"`
	Maximum     *float64 `json:"maximum,omitempty"`
	Minimum     *float64 `json:"minimum,omitempty"`
	Pattern     string   `json:"pattern,omitempty"`
	// InputType is the console's form control: date, month, single, multiple, text (the model's 11-15).
	InputType string `json:"input_type,omitempty"`
}

// Field is one output column: its display type (the model's 1-10), header group for 二级表头, and
// whether it is shown and exported.
type Field struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	DataType string `json:"data_type"` // string, integer, decimal, percent, plain_integer, plain_decimal, plain_percent, percent_1, decimal_1, year
	Parent   string `json:"parent,omitempty"`
	Display  bool   `json:"display"`
	Export   bool   `json:"export"`
}

// RateLimit is a token bucket.
type RateLimit struct {
	RPS   float64 `json:"rps"`
	Burst int     `json:"burst"`
}

// CORS lists the origins browsers may call from.
type CORS struct {
	AllowedOrigins []string `json:"allowed_origins"`
}

// Pagination configures paging.
type Pagination struct {
	Enabled         bool `json:"enabled"`
	DefaultPageSize int  `json:"default_page_size"`
	MaxPageSize     int  `json:"max_page_size"`
}

// Cache configures result caching.
type Cache struct {
	Enabled    bool `json:"enabled"`
	TTLSeconds int  `json:"ttl_seconds"`
}

// Transform renames or drops output columns.
type Transform struct {
	Rename  map[string]string `json:"rename,omitempty"`
	Exclude []string          `json:"exclude,omitempty"`
}

// Alarm says where and when to alert (the model's 报警类型 delivered through webhooks).
type Alarm struct {
	Types          []string `json:"types"` // email, sms, dingtalk, wecom, feishu, phone
	WebhookURL     string   `json:"webhook_url"`
	ErrorRate      float64  `json:"error_rate"`     // alert above this share of failed calls (0-1) in a minute
	LatencyP95Ms   int      `json:"latency_p95_ms"` // alert above this p95 in a minute
	MinCallsPerMin int      `json:"min_calls_per_min"`
}

// Definition is a report API: the design specification's definition model unified with the
// InterfaceInfo/InterfaceField model (是否合计/合计sql, 是否分页, 二级表头, 报警类型, field list).
type Definition struct {
	Code           string            `json:"code"`
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	Version        string            `json:"version"`
	Tags           []string          `json:"tags"`
	Owner          string            `json:"owner"`
	Visibility     string            `json:"visibility"` // internal | partner | public
	ReportID       string            `json:"report_id"`
	Method         string            `json:"method"` // GET | POST
	AuthRequired   bool              `json:"auth_required"`
	AllowedRoles   []string          `json:"allowed_roles"`
	RateLimit      *RateLimit        `json:"rate_limit"`
	IPWhitelist    []string          `json:"ip_whitelist"`
	CORS           *CORS             `json:"cors"`
	Parameters     []Parameter       `json:"parameters"`
	Fields         []Field           `json:"fields"`
	SecondHeader   bool              `json:"second_header"` // 二级表头: fields grouped by parent
	DateOption     bool              `json:"date_option"`   // 是否日期查询
	DatasourceID   string            `json:"datasource_id"`
	Database       string            `json:"database"`
	QueryType      string            `json:"query_type"`
	QueryTemplate  string            `json:"query_template"`
	ParamBinding   map[string]string `json:"param_binding"`
	TimeoutMs      int               `json:"timeout_ms"`
	SafeMode       bool              `json:"safe_mode"`
	Pagination     *Pagination       `json:"pagination"`
	TotalEnabled   bool              `json:"total_enabled"` // 是否合计
	TotalSQL       string            `json:"total_sql"`     // 合计sql
	ResponseSchema json.RawMessage   `json:"response_schema,omitempty"`
	Transform      *Transform        `json:"transform"`
	Example        json.RawMessage   `json:"example,omitempty"`
	Cache          *Cache            `json:"cache"`
	Audit          bool              `json:"audit"`
	Metrics        map[string]bool   `json:"metrics"`
	Alarm          *Alarm            `json:"alarm"`
	MaxRows        int               `json:"max_rows"`
}

// AlarmTypes are the alert channels (reached through a webhook); quality alerts use them too.
var AlarmTypes = []string{"email", "sms", "dingtalk", "wecom", "feishu", "phone"}

var (
	codePattern    = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)
	semverPattern  = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	paramPattern   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	paramIns       = []string{"path", "query", "header", "body"}
	paramTypes     = []string{"string", "number", "integer", "boolean", "date", "datetime", "array", "object"}
	fieldTypes     = []string{"string", "integer", "decimal", "percent", "plain_integer", "plain_decimal", "plain_percent", "percent_1", "decimal_1", "year"}
	visibilities   = []string{"internal", "partner", "public"}
	reservedParams = []string{"page", "pageSize", "version"}
)

// Normalize fills defaults and reports every problem at once.
func (d Definition) Normalize() (Definition, error) {
	var c fault.Collect
	d.Code, d.Name, d.Version = strings.TrimSpace(d.Code), strings.TrimSpace(d.Name), strings.TrimSpace(d.Version)
	c.Check(codePattern.MatchString(d.Code), "code", "code must be 2-64 lower-case letters, digits or '_' and start with a letter")
	c.Check(d.Name != "" && len([]rune(d.Name)) <= 128, "name", "name must have 1-128 characters")
	if d.Version == "" {
		d.Version = "1.0.0"
	}
	c.Check(semverPattern.MatchString(d.Version), "version", "version must look like 1.0.0")
	if d.Visibility == "" {
		d.Visibility = "internal"
	}
	c.Check(slices.Contains(visibilities, d.Visibility), "visibility", "visibility must be internal, partner or public")
	d.Method = strings.ToUpper(d.Method)
	if d.Method == "" {
		d.Method = "GET"
	}
	c.Check(d.Method == "GET" || d.Method == "POST", "method", "method must be GET or POST")
	if d.Visibility != "public" {
		d.AuthRequired = true // internal and partner interfaces always need a caller
	}
	if d.RateLimit != nil {
		c.Check(d.RateLimit.RPS > 0 && d.RateLimit.RPS <= 100000, "rate_limit.rps", "rate_limit.rps must be between 0 and 100000")
		if d.RateLimit.Burst == 0 {
			d.RateLimit.Burst = int(d.RateLimit.RPS) + 1
		}
		c.Check(d.RateLimit.Burst >= 1, "rate_limit.burst", "rate_limit.burst must be 1 or more")
	}
	for _, ip := range d.IPWhitelist {
		_, _, cidrErr := net.ParseCIDR(ip)
		c.Check(net.ParseIP(ip) != nil || cidrErr == nil, "ip_whitelist", fmt.Sprintf("%q is not an IP address or CIDR range", ip))
	}
	seen := map[string]bool{}
	for i := range d.Parameters {
		p := &d.Parameters[i]
		field := fmt.Sprintf("parameters[%d]", i)
		c.Check(paramPattern.MatchString(p.Name), field+".name", "parameter names are letters, digits and '_'")
		c.Check(!seen[p.Name], field+".name", fmt.Sprintf("parameter %q appears twice", p.Name))
		seen[p.Name] = true
		if p.In == "" {
			p.In = "query"
		}
		if p.Type == "" {
			p.Type = "string"
		}
		c.Check(slices.Contains(paramIns, p.In), field+".in", "in must be path, query, header or body")
		c.Check(slices.Contains(paramTypes, p.Type), field+".type", "type must be string, number, integer, boolean, date, datetime, array or object")
		if p.Pattern != "" {
			_, err := regexp.Compile(p.Pattern)
			c.Check(err == nil, field+".pattern", "pattern is not a valid regular expression")
		}
	}
	for i, f := range d.Fields {
		c.Check(f.Name != "", fmt.Sprintf("fields[%d].name", i), "every field needs a name")
		c.Check(f.DataType == "" || slices.Contains(fieldTypes, f.DataType), fmt.Sprintf("fields[%d].data_type", i), "unknown field data_type")
	}
	c.Check(d.DatasourceID != "", "datasource_id", "datasource_id is required")
	if d.QueryType == "" {
		d.QueryType = "sql"
	}
	c.Check(d.QueryType == "sql", "query_type", "only query_type sql is supported")
	c.Check(strings.TrimSpace(d.QueryTemplate) != "", "query_template", "query_template is required")
	if d.SafeMode || !strings.Contains(d.QueryTemplate, "{") {
		c.Check(!strings.Contains(d.QueryTemplate, "{{") && !strings.Contains(d.QueryTemplate, "{%"), "query_template",
			"safe mode binds :named parameters only; template tags ({{ }}, {% %}) would splice values into SQL")
	}
	for _, name := range NamedParams(d.QueryTemplate) {
		if !seen[name] && !slices.Contains(reservedParams, name) {
			c.Add("query_template", fmt.Sprintf("the query uses :%s, which is not a declared parameter", name))
		}
	}
	if d.TotalEnabled {
		c.Check(strings.TrimSpace(d.TotalSQL) != "" || (d.Pagination != nil && d.Pagination.Enabled), "total_sql", "total_sql is required when totals are on")
	}
	if d.TimeoutMs == 0 {
		d.TimeoutMs = 20000
	}
	c.Check(d.TimeoutMs >= 100 && d.TimeoutMs <= 600000, "timeout_ms", "timeout_ms must be between 100 and 600000")
	if d.MaxRows == 0 {
		d.MaxRows = 10000
	}
	c.Check(d.MaxRows >= 1 && d.MaxRows <= 100000, "max_rows", "max_rows must be between 1 and 100000")
	if d.Pagination != nil && d.Pagination.Enabled {
		if d.Pagination.MaxPageSize == 0 {
			d.Pagination.MaxPageSize = 1000
		}
		if d.Pagination.DefaultPageSize == 0 {
			d.Pagination.DefaultPageSize = min(50, d.Pagination.MaxPageSize)
		}
		c.Check(d.Pagination.MaxPageSize >= 1 && d.Pagination.MaxPageSize <= 10000, "pagination.max_page_size", "max_page_size must be between 1 and 10000")
		c.Check(d.Pagination.DefaultPageSize >= 1 && d.Pagination.DefaultPageSize <= d.Pagination.MaxPageSize,
			"pagination.default_page_size", "default_page_size must be between 1 and max_page_size")
	}
	if d.Cache != nil && d.Cache.Enabled {
		c.Check(d.Cache.TTLSeconds >= 1 && d.Cache.TTLSeconds <= 86400, "cache.ttl_seconds", "ttl_seconds must be between 1 and 86400")
	}
	if d.Alarm != nil {
		for _, t := range d.Alarm.Types {
			c.Check(slices.Contains(AlarmTypes, t), "alarm.types", "alarm types are email, sms, dingtalk, wecom, feishu, phone")
		}
		c.Check(d.Alarm.WebhookURL == "" || strings.HasPrefix(d.Alarm.WebhookURL, "http://") || strings.HasPrefix(d.Alarm.WebhookURL, "https://"),
			"alarm.webhook_url", "webhook_url must be an http(s) URL")
	}
	return d, c.Err()
}

// NamedParams lists the :name placeholders of a SQL text in order of first use, skipping string
// literals, quoted identifiers, comments and PostgreSQL's :: casts.
func NamedParams(sql string) []string {
	var out []string
	for _, t := range scanNamed(sql) {
		if t.name != "" && !slices.Contains(out, t.name) {
			out = append(out, t.name)
		}
	}
	return out
}

type namedToken struct {
	text string // literal SQL, or ""
	name string // a :name placeholder
}

// scanNamed splits SQL into literal text and :name placeholders.
func scanNamed(sql string) []namedToken {
	var out []namedToken
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, namedToken{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(sql); {
		ch := sql[i]
		switch {
		case ch == '\'' || ch == '"' || ch == '`':
			j := i + 1
			for j < len(sql) {
				if sql[j] == ch {
					if j+1 < len(sql) && sql[j+1] == ch { // doubled quote
						j += 2
						continue
					}
					break
				}
				if sql[j] == '\\' && ch == '\'' {
					j++
				}
				j++
			}
			end := min(j+1, len(sql))
			lit.WriteString(sql[i:end])
			i = end
		case ch == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = len(sql) - i
			}
			lit.WriteString(sql[i : i+j])
			i += j
		case ch == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			end := len(sql)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			lit.WriteString(sql[i:end])
			i = end
		case ch == ':' && i+1 < len(sql) && sql[i+1] == ':':
			lit.WriteString("::")
			i += 2
		case ch == ':' && i+1 < len(sql) && (isIdentStart(sql[i+1])) && (i == 0 || !isIdentByte(sql[i-1])):
			j := i + 1
			for j < len(sql) && isIdentByte(sql[j]) {
				j++
			}
			flush()
			out = append(out, namedToken{name: sql[i+1 : j]})
			i = j
		default:
			lit.WriteByte(ch)
			i++
		}
	}
	flush()
	return out
}

func isIdentStart(b byte) bool { return b == '_' || (b|0x20) >= 'a' && (b|0x20) <= 'z' }
func isIdentByte(b byte) bool  { return isIdentStart(b) || b >= '0' && b <= '9' }

// Bind turns :name placeholders into driver placeholders ("?" or "$1", "$2" ...) and returns the
// argument list; values never enter the SQL text.
func Bind(sql string, dollar bool, value func(name string) any) (string, []any) {
	var b strings.Builder
	var args []any
	index := map[string]int{}
	for _, t := range scanNamed(sql) {
		if t.name == "" {
			b.WriteString(t.text)
			continue
		}
		if dollar {
			n, ok := index[t.name]
			if !ok {
				args = append(args, value(t.name))
				n = len(args)
				index[t.name] = n
			}
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		args = append(args, value(t.name))
		b.WriteString("?")
	}
	return b.String(), args
}

// Interface is one version of a report API. Rules: (code, version) is unique; lifecycle draft →
// active → deprecated → disabled, and a deprecated or disabled version may be published again;
// only a draft may be deleted; a definition must be valid to be saved.
type Interface struct {
	eventsourcing.Root
	Def    Definition
	Status string
	known  bool
}

func (*Interface) StreamType() string { return StreamInterface }

// InterfaceStream is the stream of one (code, version).
func InterfaceStream(code, version string) string { return "iface-" + code + "@" + version }

// Exists reports whether the version was created and not deleted.
func (i *Interface) Exists() bool { return i.known && i.Status != "deleted" }

// CreateInterface records a new draft version.
func CreateInterface(def Definition) (*Interface, error) {
	def, err := def.Normalize()
	if err != nil {
		return nil, err
	}
	i := &Interface{}
	i.SetID(InterfaceStream(def.Code, def.Version))
	eventsourcing.Record(i, InterfaceCreated{Definition: def})
	return i, nil
}

// Update replaces the definition; code and version never change.
func (i *Interface) Update(def Definition) error {
	if !i.Exists() {
		return fault.NotFound("interface", i.ID())
	}
	def.Code, def.Version = i.Def.Code, i.Def.Version
	def, err := def.Normalize()
	if err != nil {
		return err
	}
	eventsourcing.Record(i, InterfaceUpdated{Definition: def})
	return nil
}

// Transition to a lifecycle status.
func (i *Interface) Transition(e eventsourcing.Event) {
	switch e := e.(type) {
	case InterfaceCreated:
		i.known, i.Def, i.Status = true, e.Definition, "draft"
	case InterfaceUpdated:
		i.Def = e.Definition
	case InterfaceStatusChanged:
		i.Status = e.Status
	}
}

// SetStatus moves the lifecycle: publish (active), deprecate, disable, delete (drafts only).
func (i *Interface) SetStatus(status string) error {
	if !i.Exists() {
		return fault.NotFound("interface", i.ID())
	}
	allowed := map[string][]string{
		"active":     {"draft", "deprecated", "disabled"},
		"deprecated": {"active"},
		"disabled":   {"draft", "active", "deprecated"},
		"deleted":    {"draft", "disabled"},
	}
	from, ok := allowed[status]
	if !ok {
		return fault.Field("status", "status must be active, deprecated, disabled or deleted")
	}
	if i.Status == status {
		return nil
	}
	if !slices.Contains(from, i.Status) {
		return fault.Conflict(fmt.Sprintf("a %s interface cannot become %s", i.Status, status))
	}
	eventsourcing.Record(i, InterfaceStatusChanged{Code: i.Def.Code, Version: i.Def.Version, From: i.Status, Status: status})
	return nil
}
