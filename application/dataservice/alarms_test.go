package dataservice

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"assetflow/domain/dataservice"
)

type statsSource struct {
	defs  []dataservice.Definition
	stats map[string]WindowStats
}

func (s statsSource) AlarmedDefinitions(context.Context) ([]dataservice.Definition, error) {
	return s.defs, nil
}
func (s statsSource) WindowStats(_ context.Context, code string, _ time.Time) (WindowStats, error) {
	return s.stats[code], nil
}

func TestAlarmsDeliverOnThresholds(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []AlarmFired
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a AlarmFired
		_ = json.NewDecoder(r.Body).Decode(&a)
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	}))
	defer hook.Close()
	alarm := func(rate float64, p95 int) *dataservice.Alarm {
		return &dataservice.Alarm{Types: []string{"dingtalk"}, WebhookURL: hook.URL, ErrorRate: rate, LatencyP95Ms: p95, MinCallsPerMin: 10}
	}
	src := statsSource{
		defs: []dataservice.Definition{{Code: "errors", Alarm: alarm(0.1, 0)}, {Code: "slow", Alarm: alarm(0, 500)}, {Code: "fine", Alarm: alarm(0.1, 500)}, {Code: "quiet", Alarm: alarm(0.1, 0)}},
		stats: map[string]WindowStats{"errors": {Calls: 100, Errors: 30, ErrorRate: 0.3}, "slow": {Calls: 50, P95Ms: 900},
			"fine": {Calls: 100, Errors: 1, ErrorRate: 0.01, P95Ms: 20}, "quiet": {Calls: 3, Errors: 3, ErrorRate: 1}},
	}
	a := NewAlarms(src)
	now := time.Now()
	fired, err := a.Check(context.Background(), now)
	if err != nil || len(fired) != 2 || len(got) != 2 {
		t.Fatalf("fired %v (%v), webhook got %d", fired, err, len(got))
	}
	if got[0].Code != "errors" || got[1].Code != "slow" || got[0].Types[0] != "dingtalk" {
		t.Fatalf("alarms: %+v", got)
	}
	if again, _ := a.Check(context.Background(), now.Add(10*time.Second)); len(again) != 0 {
		t.Fatal("an alarm repeated within its window")
	}
	if later, _ := a.Check(context.Background(), now.Add(2*time.Minute)); len(later) != 2 {
		t.Fatalf("alarms after the window: %d", len(later))
	}
}
