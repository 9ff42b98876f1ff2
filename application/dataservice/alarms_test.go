package dataservice

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
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

func TestWebhookSpeaksChatRobots(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got[r.URL.Path] = m
		mu.Unlock()
	}))
	defer srv.Close()
	alarm := AlarmFired{Code: "sales", Version: "1.0.0", Name: "销售", Reason: "error rate 50% above 10%", Calls: 20, ErrorRate: 0.5, Window: "1m0s"}
	hook := NewWebhook()
	for _, path := range []string{"/robot/send", "/cgi-bin/webhook/send", "/open-apis/bot/v2/hook/x", "/plain"} {
		if err := hook.Deliver(context.Background(), srv.URL+path+"?access_token=t", alarm); err != nil {
			t.Fatal(err)
		}
	}
	if m := got["/robot/send"]; m["msgtype"] != "text" || !strings.Contains(m["text"].(map[string]any)["content"].(string), "销售 (sales@1.0.0)") {
		t.Errorf("DingTalk: %v", m)
	}
	if m := got["/cgi-bin/webhook/send"]; m["msgtype"] != "text" || m["text"] == nil {
		t.Errorf("WeCom: %v", m)
	}
	if m := got["/open-apis/bot/v2/hook/x"]; m["msg_type"] != "text" || !strings.Contains(m["content"].(map[string]any)["text"].(string), "error rate 50%") {
		t.Errorf("Feishu: %v", m)
	}
	if m := got["/plain"]; m["code"] != "sales" || m["reason"] == nil {
		t.Errorf("plain webhook: %v", m)
	}
}
