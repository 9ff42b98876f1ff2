// Package quality holds data-quality rules on catalog tables and the results of checking them.
package quality

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"assetflow/domain/dataservice"
	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Rule types.
const (
	RowCount       = "row_count"
	NullRate       = "null_rate"
	Unique         = "unique"
	Range          = "range"
	AllowedValues  = "allowed_values"
	Regex          = "regex"
	Freshness      = "freshness"
	Referential    = "referential"
	Schema         = "schema"
	CustomSQL      = "custom_sql"
	Reconciliation = "reconciliation"
)

// Types lists every rule type, in the order the console offers them.
var Types = []string{RowCount, NullRate, Unique, Range, AllowedValues, Regex, Freshness, Referential, Schema, CustomSQL, Reconciliation}

// Severities.
const (
	Warning  = "warning"
	Critical = "critical"
)

// Check statuses.
const (
	Passed  = "passed"
	Failed  = "failed"
	Errored = "errored"
)

// columnTypes need a column; the others check the table as a whole.
var columnTypes = []string{NullRate, Unique, Range, AllowedValues, Regex, Freshness, Referential}

// NeedsColumn reports whether a rule type checks one column.
func NeedsColumn(typ string) bool { return slices.Contains(columnTypes, typ) }

// violationTypes measure a count of offending rows, so "no offending rows" is a sensible default
// threshold; the others measure a quantity only the user can bound.
var violationTypes = []string{Unique, Range, AllowedValues, Regex, Referential, Schema, Reconciliation}

// Threshold bounds the metric; a check passes when min <= metric <= max (absent bounds are open).
type Threshold struct {
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
}

// Holds reports whether the metric is within the bounds.
func (t Threshold) Holds(metric float64) bool {
	return (t.Min == nil || metric >= *t.Min) && (t.Max == nil || metric <= *t.Max)
}

// String reads like "0 ≤ metric ≤ 0.01".
func (t Threshold) String() string {
	var b strings.Builder
	if t.Min != nil {
		fmt.Fprintf(&b, "%g ≤ ", *t.Min)
	}
	b.WriteString("metric")
	if t.Max != nil {
		fmt.Fprintf(&b, " ≤ %g", *t.Max)
	}
	return b.String()
}

// ExpectedColumn is one column a schema rule expects; an empty type accepts any type.
type ExpectedColumn struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// Params are the type-specific settings of a rule; each type reads only its own fields.
type Params struct {
	// Min and Max bound the values of a range rule.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Values are the allowed values (compared as text).
	Values []string `json:"values,omitempty"`
	// Pattern is the regular expression values must match.
	Pattern string `json:"pattern,omitempty"`
	// RefTableID and RefColumn name the referenced key (referential) or the other copy
	// (reconciliation) of the table.
	RefTableID string `json:"ref_table_id,omitempty"`
	RefColumn  string `json:"ref_column,omitempty"`
	// Columns are the expected columns of a schema rule.
	Columns []ExpectedColumn `json:"columns,omitempty"`
	// ExactColumns makes a schema rule count columns it does not expect as mismatches too.
	ExactColumns bool `json:"exact_columns,omitempty"`
	// SQL returns the metric of a custom rule in its first column of its first row.
	SQL string `json:"sql,omitempty"`
	// Compare lists the columns whose aggregates reconciliation compares (row count always).
	Compare []string `json:"compare,omitempty"`
	// SampleRows checks only the first N rows of huge tables (0: every row).
	SampleRows int `json:"sample_rows,omitempty"`
	// TimeoutSeconds bounds the check's queries (default 60, at most 3,600).
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
	// FailedSamples is how many offending rows a failed check keeps (default 5, at most 50).
	FailedSamples *int `json:"failed_samples,omitempty"`
}

// Alert says where failures and recoveries are announced: the report API alarm channels
// (dataservice.AlarmTypes), delivered through a webhook.
type Alert struct {
	Types      []string `json:"types"`
	WebhookURL string   `json:"webhook_url"`
}

// Definition is what a user saves.
type Definition struct {
	Name      string    `json:"name"`
	TableID   string    `json:"table_id"`
	Column    string    `json:"column,omitempty"`
	Type      string    `json:"type"`
	Params    Params    `json:"params"`
	Threshold Threshold `json:"threshold"`
	Severity  string    `json:"severity"`
	Schedule  string    `json:"schedule,omitempty"`
	Enabled   *bool     `json:"enabled,omitempty"`
	Alert     *Alert    `json:"alert,omitempty"`
	// Description says why the rule exists.
	Description string `json:"description,omitempty"`
}

// IsEnabled reads the enabled flag (default on).
func (d Definition) IsEnabled() bool { return d.Enabled == nil || *d.Enabled }

// Normalize trims, fills defaults and reports every problem at once. validCron checks schedules.
func (d Definition) Normalize(validCron func(string) error) (Definition, error) {
	d.Name = strings.TrimSpace(d.Name)
	d.Column = strings.TrimSpace(d.Column)
	d.Schedule = strings.TrimSpace(d.Schedule)
	d.Type = strings.TrimSpace(d.Type)
	if d.Severity == "" {
		d.Severity = Warning
	}
	var c fault.Collect
	c.Check(d.Name != "" && len([]rune(d.Name)) <= 128, "name", "name must have 1-128 characters")
	c.Check(len([]rune(d.Description)) <= 1000, "description", "description must have at most 1,000 characters")
	c.Check(d.TableID != "", "table_id", "table_id is required")
	c.Check(slices.Contains(Types, d.Type), "type", "type must be one of "+strings.Join(Types, ", "))
	c.Check(d.Severity == Warning || d.Severity == Critical, "severity", "severity must be warning or critical")
	if NeedsColumn(d.Type) {
		c.Check(d.Column != "", "column", "a "+d.Type+" rule needs a column")
	}
	if d.Schedule != "" && validCron != nil {
		if err := validCron(d.Schedule); err != nil {
			c.Add("schedule", "schedule is not a valid cron expression (minute hour day month weekday)")
		}
	}
	t := d.Threshold
	if t.Min == nil && t.Max == nil {
		if slices.Contains(violationTypes, d.Type) {
			zero := 0.0
			d.Threshold.Max = &zero
		} else {
			c.Add("threshold", "threshold needs min or max")
		}
	}
	if t.Min != nil && t.Max != nil && *t.Min > *t.Max {
		c.Add("threshold", "threshold min must not exceed max")
	}
	if d.Type == NullRate {
		c.Check(t.Min == nil || (*t.Min >= 0 && *t.Min <= 1), "threshold.min", "a null rate is between 0 and 1")
		c.Check(t.Max == nil || (*t.Max >= 0 && *t.Max <= 1), "threshold.max", "a null rate is between 0 and 1")
	}
	p := &d.Params
	c.Check(p.SampleRows >= 0, "params.sample_rows", "sample_rows must not be negative")
	c.Check(p.TimeoutSeconds >= 0 && p.TimeoutSeconds <= 3600, "params.timeout_seconds", "timeout_seconds must be between 0 and 3600")
	c.Check(p.FailedSamples == nil || (*p.FailedSamples >= 0 && *p.FailedSamples <= 50), "params.failed_samples", "failed_samples must be between 0 and 50")
	switch d.Type {
	case Range:
		c.Check(p.Min != nil || p.Max != nil, "params.min", "a range rule needs params.min or params.max")
		c.Check(p.Min == nil || p.Max == nil || *p.Min <= *p.Max, "params.max", "params.max must not be below params.min")
	case AllowedValues:
		c.Check(len(p.Values) > 0 && len(p.Values) <= 1000, "params.values", "an allowed_values rule needs 1-1,000 values")
	case Regex:
		if p.Pattern == "" {
			c.Add("params.pattern", "a regex rule needs params.pattern")
		} else if _, err := regexp.Compile(p.Pattern); err != nil {
			c.Add("params.pattern", "params.pattern is not a valid regular expression")
		}
	case Referential:
		c.Check(p.RefTableID != "", "params.ref_table_id", "a referential rule needs params.ref_table_id")
		c.Check(p.RefColumn != "", "params.ref_column", "a referential rule needs params.ref_column")
	case Schema:
		c.Check(len(p.Columns) > 0, "params.columns", "a schema rule needs the expected columns")
		for i, col := range p.Columns {
			c.Check(strings.TrimSpace(col.Name) != "", fmt.Sprintf("params.columns[%d].name", i), "every expected column needs a name")
		}
	case CustomSQL:
		c.Check(strings.TrimSpace(p.SQL) != "", "params.sql", "a custom_sql rule needs params.sql")
	case Reconciliation:
		c.Check(p.RefTableID != "", "params.ref_table_id", "a reconciliation rule needs the other table (params.ref_table_id)")
		c.Check(p.RefTableID == "" || p.RefTableID != d.TableID, "params.ref_table_id", "reconciliation compares two different tables")
	}
	if d.Alert != nil {
		for _, t := range d.Alert.Types {
			c.Check(slices.Contains(dataservice.AlarmTypes, t), "alert.types", "alert types must be among "+strings.Join(dataservice.AlarmTypes, ", "))
		}
		u := d.Alert.WebhookURL
		c.Check(u == "" || strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"), "alert.webhook_url", "webhook_url must be an http(s) URL")
	}
	return d, c.Err()
}

// Timeout is the per-check query timeout in seconds.
func (p Params) Timeout() int {
	if p.TimeoutSeconds == 0 {
		return 60
	}
	return p.TimeoutSeconds
}

// SamplesWanted is how many failed rows a check keeps.
func (p Params) SamplesWanted() int {
	if p.FailedSamples == nil {
		return 5
	}
	return *p.FailedSamples
}

// Result is one check of a rule.
type Result struct {
	CheckID    string    `json:"check_id"`
	RuleID     string    `json:"rule_id"`
	RuleName   string    `json:"rule_name"`
	TableID    string    `json:"table_id"`
	Column     string    `json:"column,omitempty"`
	Type       string    `json:"type"`
	Severity   string    `json:"severity"`
	Status     string    `json:"status"`
	Metric     *float64  `json:"metric"`
	Threshold  Threshold `json:"threshold"`
	Rows       *int64    `json:"rows,omitempty"`
	DurationMs int64     `json:"duration_ms"`
	Samples    []Sample  `json:"samples"`
	Error      string    `json:"error,omitempty"`
	Trigger    string    `json:"trigger"` // manual | schedule
	// Previous is the rule's status before this check ("" for the first); alerts fire when a
	// check opens an incident (a pass turns into a failure) or closes it.
	Previous string `json:"previous"`
	// Incident is the id of the failure this check belongs to, or that a pass closes.
	Incident string `json:"incident,omitempty"`
}

// Sample is one offending row, column name to value (masked columns read "***").
type Sample map[string]any

// Opens reports whether the check starts an incident.
func (r Result) Opens() bool { return r.Status != Passed && (r.Previous == "" || r.Previous == Passed) }

// Closes reports whether the check ends an incident.
func (r Result) Closes() bool { return r.Status == Passed && r.Previous != "" && r.Previous != Passed }

// RuleID makes a new rule's stream id.
func NewRuleID() string { return "qrule-" + uuid.NewString() }

// Rule is a quality rule. Rules: a definition is valid when saved (see Normalize); a deleted rule
// takes no edits or checks; each check knows the rule's previous status, so one ongoing failure is
// one incident whatever the number of failing checks.
type Rule struct {
	eventsourcing.Root
	Def      Definition
	Deleted  bool
	Status   string
	Incident string
	known    bool
}

func (*Rule) StreamType() string { return StreamRule }

// Exists reports whether the rule was defined and not deleted.
func (r *Rule) Exists() bool { return r.known && !r.Deleted }

// DefineRule creates a rule from a normalized definition.
func DefineRule(id string, d Definition) *Rule {
	r := &Rule{}
	r.SetID(id)
	eventsourcing.Record(r, RuleDefined{RuleID: id, Definition: d})
	return r
}

// Update replaces the definition.
func (r *Rule) Update(d Definition) error {
	if !r.Exists() {
		return fault.NotFound("quality rule", r.ID())
	}
	eventsourcing.Record(r, RuleUpdated{RuleID: r.ID(), Definition: d})
	return nil
}

// Delete removes the rule; its results stay in the history.
func (r *Rule) Delete() error {
	if !r.Exists() {
		return fault.NotFound("quality rule", r.ID())
	}
	eventsourcing.Record(r, RuleDeleted{RuleID: r.ID()})
	return nil
}

// RecordCheck records a check's result against the rule's current state.
func (r *Rule) RecordCheck(res Result) (Result, error) {
	if !r.Exists() {
		return res, fault.NotFound("quality rule", r.ID())
	}
	res.RuleID, res.RuleName, res.TableID, res.Column, res.Type, res.Severity = r.ID(), r.Def.Name, r.Def.TableID, r.Def.Column, r.Def.Type, r.Def.Severity
	res.Previous = r.Status
	switch {
	case res.Status == Passed:
		res.Incident = r.Incident // the incident a pass closes, if any
	case res.Opens():
		res.Incident = res.CheckID
	default:
		res.Incident = r.Incident
	}
	if res.Samples == nil {
		res.Samples = []Sample{}
	}
	switch res.Status {
	case Passed:
		eventsourcing.Record(r, CheckPassed{res})
	case Failed:
		eventsourcing.Record(r, CheckFailed{res})
	default:
		res.Status = Errored
		eventsourcing.Record(r, CheckErrored{res})
	}
	return res, nil
}

// Transition applies an event.
func (r *Rule) Transition(e eventsourcing.Event) {
	switch v := e.(type) {
	case RuleDefined:
		r.Def, r.known = v.Definition, true
	case RuleUpdated:
		r.Def = v.Definition
	case RuleDeleted:
		r.Deleted = true
	case CheckPassed:
		r.Status, r.Incident = v.Status, ""
	case CheckFailed:
		r.Status, r.Incident = v.Status, v.Incident
	case CheckErrored:
		r.Status, r.Incident = v.Status, v.Incident
	}
}
