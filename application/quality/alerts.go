package quality

import (
	"context"
	"fmt"
	"time"

	domain "assetflow/domain/quality"
)

// Notifier delivers an alert payload to a webhook (the report API alarms' delivery).
type Notifier interface {
	Deliver(ctx context.Context, url string, payload any) error
}

// AlertConfigs reads a rule's alert settings (nil: no alert).
type AlertConfigs interface {
	AlertOf(ctx context.Context, ruleID string) (*domain.Alert, error)
}

// AlertSent is what a webhook receives when a check opens or closes an incident.
type AlertSent struct {
	Kind      string           `json:"kind"` // failure | recovery
	Types     []string         `json:"types"`
	RuleID    string           `json:"rule_id"`
	RuleName  string           `json:"rule_name"`
	TableID   string           `json:"table_id"`
	Column    string           `json:"column,omitempty"`
	RuleType  string           `json:"rule_type"`
	Severity  string           `json:"severity"`
	Status    string           `json:"status"`
	Metric    *float64         `json:"metric"`
	Threshold domain.Threshold `json:"threshold"`
	Error     string           `json:"error,omitempty"`
	Incident  string           `json:"incident"`
	CheckID   string           `json:"check_id"`
	Message   string           `json:"message"`
	At        time.Time        `json:"at"`
}

// Alerts announces incidents: the check that turns a rule from passing to failing (or errored)
// alerts once; later failing checks of the same incident stay quiet; the first pass after it
// announces the recovery.
type Alerts struct {
	configs  AlertConfigs
	notifier Notifier
	// Claims, when set, makes each alert go out once across replicas: a check delivered twice
	// (a consumer-group rebalance) finds its alert claimed.
	Claims interface {
		Claim(ctx context.Context, key string) (bool, error)
		Release(ctx context.Context, key string) error
	}
}

// NewAlerts wires alert delivery.
func NewAlerts(configs AlertConfigs, notifier Notifier) *Alerts {
	if configs == nil || notifier == nil {
		panic("quality.NewAlerts: nil dependency")
	}
	return &Alerts{configs: configs, notifier: notifier}
}

// Handle delivers the alert a recorded check calls for, if any; it returns whether one was sent.
func (a *Alerts) Handle(ctx context.Context, res domain.Result, at time.Time) (bool, error) {
	kind := ""
	switch {
	case res.Opens():
		kind = "failure"
	case res.Closes():
		kind = "recovery"
	default:
		return false, nil
	}
	cfg, err := a.configs.AlertOf(ctx, res.RuleID)
	if err != nil || cfg == nil || cfg.WebhookURL == "" {
		return false, err
	}
	msg := fmt.Sprintf("[%s] quality rule %q %s", res.Severity, res.RuleName, res.Status)
	switch {
	case kind == "recovery":
		msg = fmt.Sprintf("quality rule %q recovered", res.RuleName)
	case res.Status == domain.Errored:
		msg += ": " + res.Error
	case res.Metric != nil:
		msg += fmt.Sprintf(": metric %g outside %s", *res.Metric, res.Threshold)
	}
	alert := AlertSent{Kind: kind, Types: cfg.Types, RuleID: res.RuleID, RuleName: res.RuleName, TableID: res.TableID, Column: res.Column,
		RuleType: res.Type, Severity: res.Severity, Status: res.Status, Metric: res.Metric, Threshold: res.Threshold, Error: res.Error,
		Incident: res.Incident, CheckID: res.CheckID, Message: msg, At: at.UTC()}
	key := res.CheckID + ":" + kind
	if a.Claims != nil {
		if ok, err := a.Claims.Claim(ctx, key); err != nil || !ok {
			return false, err
		}
	}
	if err := a.notifier.Deliver(ctx, cfg.WebhookURL, alert); err != nil {
		if a.Claims != nil {
			_ = a.Claims.Release(context.WithoutCancel(ctx), key)
		}
		return false, fmt.Errorf("deliver quality alert for %s: %w", res.RuleID, err)
	}
	return true, nil
}

// Summary is the alert as one line for chat robots (DingTalk, WeCom, Feishu).
func (a AlertSent) Summary() string {
	what := "质量检查失败 failed"
	if a.Kind == "recovery" {
		what = "质量检查恢复 recovered"
	}
	col := ""
	if a.Column != "" {
		col = "." + a.Column
	}
	metric := "-"
	if a.Metric != nil {
		metric = fmt.Sprintf("%g", *a.Metric)
	}
	return fmt.Sprintf("[AssetFlow] %s: %s (%s, %s%s) status %s, metric %s. %s", what, a.RuleName, a.RuleType, a.TableID, col, a.Status, metric, a.Message)
}
