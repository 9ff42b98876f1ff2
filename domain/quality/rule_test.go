package quality

import (
	"errors"
	"testing"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

func ptr(f float64) *float64 { return &f }

func TestNormalize(t *testing.T) {
	t.Parallel()
	validCron := func(s string) error {
		if s == "* * * * *" {
			return nil
		}
		return errors.New("bad")
	}
	base := func() Definition {
		return Definition{Name: "n", TableID: "table-1", Column: "c", Type: NullRate, Threshold: Threshold{Max: ptr(0.1)}}
	}
	cases := []struct {
		name   string
		mod    func(*Definition)
		fields []string
	}{
		{"valid", func(*Definition) {}, nil},
		{"unknown type", func(d *Definition) { d.Type = "x" }, []string{"type"}},
		{"needs column", func(d *Definition) { d.Column = "" }, []string{"column"}},
		{"no threshold", func(d *Definition) { d.Threshold = Threshold{} }, []string{"threshold"}},
		{"min above max", func(d *Definition) { d.Threshold = Threshold{Min: ptr(0.5), Max: ptr(0.2)} }, []string{"threshold"}},
		{"rate above one", func(d *Definition) { d.Threshold = Threshold{Max: ptr(2)} }, []string{"threshold.max"}},
		{"bad cron", func(d *Definition) { d.Schedule = "soon" }, []string{"schedule"}},
		{"good cron", func(d *Definition) { d.Schedule = "* * * * *" }, nil},
		{"bad severity", func(d *Definition) { d.Severity = "fatal" }, []string{"severity"}},
		{"regex", func(d *Definition) { d.Type, d.Params.Pattern = Regex, "(" }, []string{"params.pattern"}},
		{"range", func(d *Definition) { d.Type = Range }, []string{"params.min"}},
		{"sql", func(d *Definition) { d.Type, d.Column = CustomSQL, "" }, []string{"params.sql"}},
		{"alert channel", func(d *Definition) { d.Alert = &Alert{Types: []string{"pager"}, WebhookURL: "ftp://x"} }, []string{"alert.types", "alert.webhook_url"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := base()
			c.mod(&d)
			out, err := d.Normalize(validCron)
			if c.fields == nil {
				if err != nil || out.Severity != Warning {
					t.Fatalf("valid definition: %v %+v", err, out)
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid {
				t.Fatalf("want invalid, got %v", err)
			}
			got := map[string]bool{}
			for _, d := range fe.Details {
				got[d.Field] = true
			}
			for _, f := range c.fields {
				if !got[f] {
					t.Errorf("no problem reported for %s: %v", f, fe.Details)
				}
			}
		})
	}
}

func TestViolationRulesDefaultToNoOffendingRows(t *testing.T) {
	t.Parallel()
	d, err := Definition{Name: "u", TableID: "t", Column: "id", Type: Unique}.Normalize(nil)
	if err != nil || d.Threshold.Max == nil || *d.Threshold.Max != 0 || d.Threshold.Min != nil {
		t.Fatalf("%v %+v", err, d.Threshold)
	}
	if !d.Threshold.Holds(0) || d.Threshold.Holds(1) {
		t.Fatal("max 0 holds for 0 only")
	}
}

// One ongoing failure is one incident; the pass after it closes that incident.
func TestIncidents(t *testing.T) {
	t.Parallel()
	r := DefineRule("qrule-1", Definition{Name: "n", TableID: "t", Type: RowCount, Threshold: Threshold{Min: ptr(1)}})
	check := func(id, status string) Result {
		t.Helper()
		res, err := r.RecordCheck(Result{CheckID: id, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := check("c1", Passed); res.Opens() || res.Closes() || res.Previous != "" {
		t.Fatalf("first pass: %+v", res)
	}
	f1 := check("c2", Failed)
	if !f1.Opens() || f1.Incident != "c2" {
		t.Fatalf("first failure: %+v", f1)
	}
	if f2 := check("c3", Errored); f2.Opens() || f2.Incident != "c2" {
		t.Fatalf("ongoing failure: %+v", f2)
	}
	p := check("c4", Passed)
	if !p.Closes() || p.Incident != "c2" || r.Incident != "" {
		t.Fatalf("recovery: %+v", p)
	}
	if f3 := check("c5", Failed); !f3.Opens() || f3.Incident != "c5" {
		t.Fatalf("new incident: %+v", f3)
	}
	// A rebuilt rule knows the same state.
	rebuilt := &Rule{}
	eventsourcing.Replay(rebuilt, len(r.Changes()), r.Changes()...)
	if rebuilt.Status != Failed || rebuilt.Incident != "c5" || rebuilt.Def.Name != "n" {
		t.Fatalf("replayed: %+v", rebuilt)
	}
	if err := r.Delete(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RecordCheck(Result{CheckID: "c6", Status: Passed}); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("check of a deleted rule: %v", err)
	}
}
