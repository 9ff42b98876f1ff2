// Package datasource holds registered databases: which engines AssetFlow connects to, how, and the
// rules a registration must satisfy. Credentials are encrypted outside the domain; events never
// carry them.
package datasource

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Type is a supported engine.
type Type string

const (
	MySQL      Type = "mysql"
	MariaDB    Type = "mariadb"
	PostgreSQL Type = "postgresql"
	StarRocks  Type = "starrocks"
	Trino      Type = "trino"
	Presto     Type = "presto"
	Hive       Type = "hive"
)

// TypeInfo describes how a type is configured, for validation and the console's form.
type TypeInfo struct {
	Type              Type     `json:"type"`
	Label             string   `json:"label"`
	DefaultPort       int      `json:"default_port"`
	DatabaseLabel     string   `json:"database_label"`
	DatabaseRequired  bool     `json:"database_required"`
	SupportsDatabases bool     `json:"supports_databases"`
	UserRequired      bool     `json:"user_required"`
	TLSModes          []string `json:"tls_modes"`
}

var tlsModes = []string{"disable", "preferred", "required", "verify"}

// Types lists the supported engines.
var Types = []TypeInfo{
	{MySQL, "MySQL", 3306, "Database", false, true, true, tlsModes},
	{MariaDB, "MariaDB", 3306, "Database", false, true, true, tlsModes},
	{PostgreSQL, "PostgreSQL", 5432, "Database", true, false, true, tlsModes},
	{StarRocks, "StarRocks", 9030, "Catalog.Database", false, true, true, tlsModes},
	{Trino, "Trino", 8080, "Catalog.Schema", false, true, true, tlsModes},
	{Presto, "PrestoDB", 8080, "Catalog.Schema", false, true, true, tlsModes},
	{Hive, "Hive (via Trino hive catalog)", 8080, "Catalog.Schema", false, true, true, tlsModes},
}

// Info returns the description of t.
func Info(t Type) (TypeInfo, bool) {
	i := slices.IndexFunc(Types, func(ti TypeInfo) bool { return ti.Type == t })
	if i < 0 {
		return TypeInfo{}, false
	}
	return Types[i], true
}

// Config is everything about a connection except its password.
type Config struct {
	Name        string            `json:"name"`
	Type        Type              `json:"type"`
	Host        string            `json:"host"`
	Port        int               `json:"port"`
	Database    string            `json:"database"`
	Username    string            `json:"username"`
	Params      map[string]string `json:"params"`
	TLSMode     string            `json:"tls_mode"`
	Description string            `json:"description"`
	// Query console settings: writes are refused unless allowed; statements are cut off after
	// QueryTimeoutSeconds and results after MaxRows.
	AllowWrites         bool `json:"allow_writes"`
	QueryTimeoutSeconds int  `json:"query_timeout_seconds"`
	MaxRows             int  `json:"max_rows"`
}

// Query settings defaults and bounds.
const (
	DefaultQueryTimeoutSeconds = 60
	DefaultMaxRows             = 10000
)

var namePattern = regexp.MustCompile(`^[\p{L}\p{N}_.\- ]{1,64}$`)
var paramKey = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

// Normalize trims the config, fills defaults and reports every problem at once.
func (c Config) Normalize() (Config, error) {
	var v fault.Collect
	c.Name = strings.TrimSpace(c.Name)
	c.Host = strings.TrimSpace(c.Host)
	c.Database = strings.TrimSpace(c.Database)
	c.Username = strings.TrimSpace(c.Username)
	c.Description = strings.TrimSpace(c.Description)
	v.Check(namePattern.MatchString(c.Name), "name", "name must have 1-64 letters, digits, spaces, '_', '.' or '-'")
	info, ok := Info(c.Type)
	if !ok {
		v.Add("type", fmt.Sprintf("unknown type %q (mysql, mariadb, postgresql, starrocks, trino, presto, hive)", c.Type))
	}
	v.Check(c.Host != "", "host", "host is required")
	v.Check(len(c.Host) <= 253 && !strings.ContainsAny(c.Host, " /?#@"), "host", "host must be a hostname or IP address")
	if ok && c.Port == 0 {
		c.Port = info.DefaultPort
	}
	v.Check((c.Port == 0 && !ok) || (c.Port >= 1 && c.Port <= 65535), "port", "port must be between 1 and 65535")
	if ok && info.DatabaseRequired {
		v.Check(c.Database != "", "database", "database is required for "+info.Label)
	}
	if ok && info.UserRequired {
		v.Check(c.Username != "", "username", "username is required")
	}
	if c.TLSMode == "" {
		c.TLSMode = "disable"
	}
	v.Check(slices.Contains(tlsModes, c.TLSMode), "tls_mode", "tls_mode must be disable, preferred, required or verify")
	v.Check(len(c.Params) <= 32, "params", "at most 32 params")
	for k, val := range c.Params {
		v.Check(paramKey.MatchString(k), "params", fmt.Sprintf("param name %q must be 1-64 letters, digits, '_', '.' or '-'", k))
		v.Check(len(val) <= 1024, "params", fmt.Sprintf("param %q is longer than 1024 characters", k))
	}
	v.Check(len([]rune(c.Description)) <= 500, "description", "description must have at most 500 characters")
	if c.QueryTimeoutSeconds == 0 {
		c.QueryTimeoutSeconds = DefaultQueryTimeoutSeconds
	}
	if c.MaxRows == 0 {
		c.MaxRows = DefaultMaxRows
	}
	v.Check(c.QueryTimeoutSeconds >= 1 && c.QueryTimeoutSeconds <= 3600, "query_timeout_seconds", "query_timeout_seconds must be between 1 and 3600")
	v.Check(c.MaxRows >= 1 && c.MaxRows <= 1000000, "max_rows", "max_rows must be between 1 and 1,000,000")
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	return c, v.Err()
}

// Address is host:port.
func (c Config) Address() string { return net.JoinHostPort(c.Host, fmt.Sprint(c.Port)) }

// Datasource is a registered database. Rules: the name is unique (claimed in the store); the type
// never changes after registration (every asset collected from it assumes that engine); a removed
// datasource accepts no further change; removing one that other assets use needs cascade.
type Datasource struct {
	eventsourcing.Root
	Config  Config
	OwnerID string
	Removed bool
	created bool
}

func (*Datasource) StreamType() string { return StreamType }

// StreamType of datasource streams.
const StreamType = "datasource"

// Exists reports whether the datasource was registered and not removed.
func (d *Datasource) Exists() bool { return d.created && !d.Removed }

// Register records a new datasource; withPassword says whether a password is stored with it.
func Register(id string, cfg Config, ownerID, ownerName string, withPassword bool) (*Datasource, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return nil, err
	}
	d := &Datasource{}
	d.SetID(id)
	eventsourcing.Record(d, Registered{ID: id, Config: cfg, OwnerID: ownerID, OwnerName: ownerName})
	if withPassword {
		eventsourcing.Record(d, CredentialsRotated{ID: id})
	}
	return d, nil
}

// Update changes the configuration; rotate says whether a new password is stored with it, clear
// that the stored password is removed.
func (d *Datasource) Update(cfg Config, rotate, clear bool) error {
	if !d.Exists() {
		return fault.NotFound("datasource", d.ID())
	}
	cfg, err := cfg.Normalize()
	if err != nil {
		return err
	}
	if cfg.Type != d.Config.Type {
		return fault.Field("type", fmt.Sprintf("the type of a datasource cannot change (it is %s); register a new one", d.Config.Type))
	}
	eventsourcing.Record(d, Updated{ID: d.ID(), Config: cfg})
	switch {
	case rotate:
		eventsourcing.Record(d, CredentialsRotated{ID: d.ID()})
	case clear:
		eventsourcing.Record(d, CredentialsRotated{ID: d.ID(), Cleared: true})
	}
	return nil
}

// Remove deletes the datasource. usages lists assets that depend on it.
func (d *Datasource) Remove(usages []string, cascade bool) error {
	if !d.Exists() {
		return fault.NotFound("datasource", d.ID())
	}
	if len(usages) > 0 && !cascade {
		details := make([]fault.Detail, len(usages))
		for i, u := range usages {
			details[i] = fault.Detail{Field: "usage", Message: u}
		}
		return &fault.Error{Kind: fault.KindConflict, Message: fmt.Sprintf("%d asset(s) use this datasource; remove them first or delete with cascade=true", len(usages)), Details: details}
	}
	eventsourcing.Record(d, Removed{ID: d.ID(), Cascade: cascade, Usages: usages})
	return nil
}

// Transition applies an event.
func (d *Datasource) Transition(e eventsourcing.Event) {
	switch e := e.(type) {
	case Registered:
		d.created = true
		d.Config, d.OwnerID = e.Config, e.OwnerID
	case Updated:
		d.Config = e.Config
	case Removed:
		d.Removed = true
	}
}
