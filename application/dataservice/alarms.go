package dataservice

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"assetflow/domain/dataservice"
)

// WindowStats are an interface's calls over the last window.
type WindowStats struct {
	Calls     int64
	Errors    int64
	P95Ms     float64
	ErrorRate float64
}

// AlarmSource lists interfaces with alarms and their recent statistics.
type AlarmSource interface {
	AlarmedDefinitions(ctx context.Context) ([]dataservice.Definition, error)
	WindowStats(ctx context.Context, code string, since time.Time) (WindowStats, error)
}

// AlarmFired is what a webhook receives.
type AlarmFired struct {
	Code      string    `json:"code"`
	Version   string    `json:"version"`
	Name      string    `json:"name"`
	Types     []string  `json:"types"`
	Reason    string    `json:"reason"`
	Calls     int64     `json:"calls"`
	ErrorRate float64   `json:"error_rate"`
	P95Ms     float64   `json:"p95_ms"`
	Window    string    `json:"window"`
	At        time.Time `json:"at"`
}

// Alarms checks thresholds and delivers alarms to webhooks (email, SMS, DingTalk, WeCom, Feishu and
// phone gateways all accept a webhook); one alarm per interface per window at most.
type Alarms struct {
	source AlarmSource
	hook   Webhook
	Window time.Duration
	last   map[string]time.Time
}

// NewAlarms wires alarm delivery.
func NewAlarms(source AlarmSource) *Alarms {
	return &Alarms{source: source, hook: NewWebhook(), Window: time.Minute, last: map[string]time.Time{}}
}

// Webhook delivers alerts as JSON POSTs: the one channel behind every alarm type (email, SMS,
// DingTalk, WeCom, Feishu and phone gateways all accept a webhook). Quality alerts use it too.
type Webhook struct{ client *http.Client }

// NewWebhook delivers with a 5 s timeout.
func NewWebhook() Webhook { return Webhook{client: &http.Client{Timeout: 5 * time.Second}} }

// Check evaluates every alarmed interface once and returns the alarms it delivered.
func (a *Alarms) Check(ctx context.Context, now time.Time) ([]AlarmFired, error) {
	defs, err := a.source.AlarmedDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	var fired []AlarmFired
	for _, d := range defs {
		al := d.Alarm
		if al == nil || al.WebhookURL == "" || now.Sub(a.last[d.Code]) < a.Window {
			continue
		}
		st, err := a.source.WindowStats(ctx, d.Code, now.Add(-a.Window))
		if err != nil {
			return fired, err
		}
		if st.Calls == 0 || st.Calls < int64(al.MinCallsPerMin) {
			continue
		}
		reason := ""
		switch {
		case al.ErrorRate > 0 && st.ErrorRate > al.ErrorRate:
			reason = fmt.Sprintf("error rate %.0f%% above %.0f%%", st.ErrorRate*100, al.ErrorRate*100)
		case al.LatencyP95Ms > 0 && st.P95Ms > float64(al.LatencyP95Ms):
			reason = fmt.Sprintf("p95 latency %.0f ms above %d ms", st.P95Ms, al.LatencyP95Ms)
		default:
			continue
		}
		alarm := AlarmFired{Code: d.Code, Version: d.Version, Name: d.Name, Types: al.Types, Reason: reason, Calls: st.Calls,
			ErrorRate: st.ErrorRate, P95Ms: st.P95Ms, Window: a.Window.String(), At: now.UTC()}
		if err := a.hook.Deliver(ctx, al.WebhookURL, alarm); err != nil {
			slog.Warn("alarm delivery failed", "code", d.Code, "err", err)
			continue
		}
		a.last[d.Code] = now
		fired = append(fired, alarm)
	}
	return fired, nil
}

// Summarized payloads say in a line what happened; chat robots receive that line.
type Summarized interface{ Summary() string }

// Summary is the alarm as one line for chat robots.
func (a AlarmFired) Summary() string {
	return fmt.Sprintf("[AssetFlow] 报表接口 %s (%s@%s) 告警: %s; %d calls, error rate %.1f%%, p95 %.0f ms in %s", a.Name, a.Code, a.Version,
		a.Reason, a.Calls, a.ErrorRate*100, a.P95Ms, a.Window)
}

// robotBody wraps a summary in the message format of the chat robot a webhook URL belongs to
// (DingTalk, WeCom, Feishu — recognised by their webhook paths); nil for a plain JSON webhook.
func robotBody(url string, payload any) any {
	s, ok := payload.(Summarized)
	if !ok {
		return nil
	}
	switch {
	case strings.Contains(url, "/robot/send"): // DingTalk
		return map[string]any{"msgtype": "text", "text": map[string]string{"content": s.Summary()}}
	case strings.Contains(url, "/cgi-bin/webhook/send"): // WeCom
		return map[string]any{"msgtype": "text", "text": map[string]string{"content": s.Summary()}}
	case strings.Contains(url, "/open-apis/bot/v2/hook/"): // Feishu
		return map[string]any{"msg_type": "text", "content": map[string]string{"text": s.Summary()}}
	}
	return nil
}

// Deliver posts payload as JSON to url — as a text message when url is a DingTalk, WeCom or
// Feishu robot — and anything but a 2xx answer is an error.
func (w Webhook) Deliver(ctx context.Context, url string, payload any) error {
	if robot := robotBody(url, payload); robot != nil {
		payload = robot
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
