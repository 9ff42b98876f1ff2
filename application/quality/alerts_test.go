package quality

import (
	"context"
	"testing"
	"time"

	domain "assetflow/domain/quality"
)

type fakeConfigs struct{ alert *domain.Alert }

func (f fakeConfigs) AlertOf(context.Context, string) (*domain.Alert, error) { return f.alert, nil }

type fakeNotifier struct{ sent []AlertSent }

func (f *fakeNotifier) Deliver(_ context.Context, _ string, payload any) error {
	f.sent = append(f.sent, payload.(AlertSent))
	return nil
}

func TestAlertsOncePerIncident(t *testing.T) {
	t.Parallel()
	n := &fakeNotifier{}
	a := NewAlerts(fakeConfigs{&domain.Alert{Types: []string{"wecom"}, WebhookURL: "http://hook"}}, n)
	seq := []struct{ status, previous string }{{"passed", ""}, {"failed", "passed"}, {"failed", "failed"}, {"errored", "failed"}, {"passed", "errored"}, {"passed", "passed"}}
	for _, s := range seq {
		if _, err := a.Handle(context.Background(), domain.Result{RuleID: "r", Status: s.status, Previous: s.previous}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if len(n.sent) != 2 || n.sent[0].Kind != "failure" || n.sent[1].Kind != "recovery" || n.sent[0].Types[0] != "wecom" {
		t.Fatalf("alerts: %+v", n.sent)
	}
	quiet := &fakeNotifier{}
	if sent, _ := NewAlerts(fakeConfigs{}, quiet).Handle(context.Background(), domain.Result{Status: "failed"}, time.Now()); sent || len(quiet.sent) != 0 {
		t.Fatal("a rule without an alert stays quiet")
	}
}

func TestComparisons(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		a, b *string
		same bool
	}{{s("10.50"), s("10.5"), true}, {s("3"), s("4"), false}, {s("abc"), s("abc"), true}, {nil, nil, true}, {nil, s("1"), false}} {
		if sameValue(c.a, c.b) != c.same {
			t.Errorf("sameValue(%v, %v)", c.a, c.b)
		}
	}
	for _, c := range []struct {
		want, got string
		same      bool
	}{{"varchar", "varchar(64)", true}, {"INTEGER", "integer", true}, {"varchar(10)", "varchar(64)", false}, {"text", "integer", false}} {
		if sameType(c.want, c.got) != c.same {
			t.Errorf("sameType(%q, %q)", c.want, c.got)
		}
	}
}
