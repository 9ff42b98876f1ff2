package quality

import "assetflow/domain/eventsourcing"

// StreamRule is the stream type of rules; a rule's checks are recorded on its own stream.
const StreamRule = "quality_rule"

// RuleDefined: a rule was created.
type RuleDefined struct {
	RuleID     string     `json:"rule_id"`
	Definition Definition `json:"definition"`
}

// RuleUpdated: a rule's definition was replaced.
type RuleUpdated struct {
	RuleID     string     `json:"rule_id"`
	Definition Definition `json:"definition"`
}

// RuleDeleted: a rule was removed; its results remain.
type RuleDeleted struct {
	RuleID string `json:"rule_id"`
}

// CheckPassed: the metric was within the threshold.
type CheckPassed struct{ Result }

// CheckFailed: the metric was outside the threshold; samples hold offending rows.
type CheckFailed struct{ Result }

// CheckErrored: the check could not compute its metric (dropped table, failing SQL, timeout ...);
// Error says why.
type CheckErrored struct{ Result }

func (RuleDefined) EventType() string  { return "quality.rule_defined" }
func (RuleUpdated) EventType() string  { return "quality.rule_updated" }
func (RuleDeleted) EventType() string  { return "quality.rule_deleted" }
func (CheckPassed) EventType() string  { return "quality.check_passed" }
func (CheckFailed) EventType() string  { return "quality.check_failed" }
func (CheckErrored) EventType() string { return "quality.check_errored" }

// Events lists the context's events.
func Events() []eventsourcing.Event {
	return []eventsourcing.Event{RuleDefined{}, RuleUpdated{}, RuleDeleted{}, CheckPassed{}, CheckFailed{}, CheckErrored{}}
}
