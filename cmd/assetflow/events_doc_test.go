package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
)

var update = flag.Bool("update", false, "rewrite the generated part of docs/events.md")

const (
	beginMark = "<!-- BEGIN GENERATED: event reference -->"
	endMark   = "<!-- END GENERATED -->"
)

// eventDescriptions says what each event means; a new event type without one fails the test.
var eventDescriptions = map[string]string{
	"integration.task_created":             "A sync task was defined: scope, source and target datasources, tables or pattern, mode, write mode and schedule. Stream `synctask-<uuid>`.",
	"integration.task_updated":             "A sync task's spec was replaced.",
	"integration.task_paused":              "A sync task stopped: no scheduled run starts, and its active run stops after the current chunk.",
	"integration.task_resumed":             "A paused sync task runs on its schedule again.",
	"integration.task_deleted":             "A sync task was removed; what it wrote stays in the target.",
	"integration.run_requested":            "A run of a sync task was asked for (by hand or by its schedule). The sync workers of all replicas form one consumer group on `assetflow.integration`; the one given this event starts the run, or records it failed when it cannot. Stream `syncrun-<uuid>`.",
	"integration.run_started":              "A run of a sync task began on a worker, with the source tables it copies.",
	"integration.chunk_committed":          "One chunk of rows was written to the target in one transaction, together with its row in the target's progress table: table, key range, rows, bytes and the incremental watermark; the first chunk of a table in a run also reports a created target table or added columns. A table copied in parallel splits names the split of each chunk (chunks are numbered within their split) and ends with a closing event without rows that marks the table done.",
	"integration.run_completed":            "Every table of the run was copied; totals of rows read and written, bytes and duration.",
	"integration.run_failed":               "The run stopped with a reason and the last chunk committed to the target; the next run resumes after it. Paused runs are runs stopped by pausing the task.",
	"access.user_created":                  "An account was created (admin, CLI or bootstrap). Stream `user-<uuid>`.",
	"access.user_updated":                  "Display name, email or roles changed.",
	"access.user_disabled":                 "The account may no longer sign in; its sessions and API keys stop working.",
	"access.user_enabled":                  "A disabled account may sign in again.",
	"access.password_changed":              "The password was set or changed. The hash is never in an event.",
	"access.user_logged_in":                "A session opened. Stream `session-<uuid>`; appended asynchronously in batches.",
	"access.user_logged_out":               "A session ended; its token stops working.",
	"access.login_failed":                  "A rejected sign-in. Stream `login-<uuid>`; appended asynchronously.",
	"access.api_key_created":               "An API key was issued. `hash` is the SHA-256 of the key; the key itself is never stored.",
	"access.api_key_revoked":               "An API key was revoked.",
	"access.granted":                       "A user or role was allowed or denied query, export or manage on a datasource, database/schema, table or column, optionally until `expiresAt`. Stream `policy-<datasource id>`: one policy per datasource, so every change is checked against the whole policy and stored atomically.",
	"access.revoked":                       "A grant was withdrawn.",
	"access.expired":                       "A grant's expiry passed; it had stopped applying at `expiresAt` already, this records it.",
	"access.requested":                     "A user asked for a privilege on an object, with a reason and an optional expiry.",
	"access.approved":                      "A request was approved by an admin, the datasource's owner or a holder of manage; the `access.granted` it creates follows in the same stream.",
	"access.rejected":                      "A request was refused, with a reason.",
	"access.mask_set":                      "A column's values are masked for every restricted user (`full`, `partial` keeping `keepLast` characters, `hash`, `null`, `year`); the platform applies it by putting a view in place of the table in every statement.",
	"access.mask_removed":                  "A column mask was removed.",
	"access.row_filter_set":                "A user or role sees only the rows of a table matching `predicate` (parsed in the datasource's dialect when set).",
	"access.row_filter_removed":            "A row filter was removed.",
	"datasource.registered":                "A datasource was registered. Stream `datasource-<uuid>`. The password is never in an event.",
	"datasource.updated":                   "Connection settings changed (the type never changes).",
	"datasource.credentials_rotated":       "A new password was stored, encrypted (AES-256-GCM) in `datasource_secrets`, outside the event.",
	"datasource.connection_tested":         "A connection test ran. Stream `dstest-<datasource id>`, so tests never conflict with edits.",
	"datasource.removed":                   "The datasource was deleted; with `cascade`, the listed dependent assets go with it.",
	"catalog.table_collected":              "A collection saw a table for the first time (or again after it was dropped), with every column. Stream `table-<uuid v5 of datasource, database, schema, name>`.",
	"catalog.columns_changed":              "Schema drift: the exact added, removed and changed columns, plus the full new column list.",
	"catalog.table_source_changed":         "The source's comment or table type changed, or its row count or size moved by more than 10%.",
	"catalog.table_dropped":                "A collection of the table's whole database no longer found it; the entry stays, marked dropped.",
	"catalog.table_registered":             "A table entered by hand.",
	"catalog.table_described":              "Description and owner edited.",
	"catalog.table_tagged":                 "The table's tag set.",
	"catalog.column_tagged":                "A column's tag set.",
	"catalog.table_classified":             "The table's category (empty clears it).",
	"catalog.column_classified":            "A column's category.",
	"catalog.table_profiled":               "A profile: rows, size, per-column null ratio, distinct count, min/max, top values (masked for sensitive columns).",
	"catalog.table_deleted":                "Removed from the catalog by a user (restorable).",
	"catalog.table_restored":               "A deleted entry came back.",
	"catalog.category_created":             "A classification category. Stream `category-<uuid>`.",
	"catalog.category_updated":             "A category renamed, moved or re-described.",
	"catalog.category_deleted":             "A category without sub-categories was deleted.",
	"catalog.tag_defined":                  "A tag was created or edited. Stream `tag-<name>`.",
	"catalog.tag_deleted":                  "A tag was deleted; it disappears from tables and columns.",
	"catalog.collection_started":           "A collection run began. Stream `run-<uuid>`.",
	"catalog.collection_progressed":        "Tables done out of the total, every 1,000 tables.",
	"catalog.collection_finished":          "A run ended (succeeded or failed with its reason), with counts and the databases and tables it read in full.",
	"catalog.schedule_set":                 "A datasource's periodic collection (cron) was set. Stream `schedule-<datasource id>`.",
	"dataservice.query_executed":           "One query console execution or export: SQL as written and rendered, template params, status (succeeded, failed, cancelled), duration, rows, error. Stream `query-<query id>`; appended asynchronously.",
	"dataservice.export_started":           "A background export began. Stream `export-<uuid>`.",
	"dataservice.export_finished":          "A background export ended; when it succeeded its CSV can be downloaded from any replica.",
	"dataservice.interface_created":        "A draft version of a report API, with its whole definition. Stream `iface-<code>@<version>`.",
	"dataservice.interface_updated":        "A version's definition was replaced (code and version never change).",
	"dataservice.interface_status_changed": "Lifecycle: draft → active → deprecated → disabled (or deleted while a draft or disabled).",
	"dataservice.interface_called":         "One /data-api call (the form earlier versions recorded; calls are now batched in `dataservice.calls_recorded`, and both are read). Stream `call-<uuid>`.",
	"dataservice.report_saved":             "A report (报表) grouping interfaces was created or edited. Stream `report-<uuid>`.",
	"dataservice.report_deleted":           "A report without interfaces was deleted.",
	"monitor.replica_heartbeat":            "A replica reports itself every 15 s (node, address, version, relay role, CPU, memory, goroutines, heap). Stream `replica-<node id>`; not in the audit log.",
	"access.sessions_seen":                 "Sessions that made requests on a replica since its last heartbeat, with when; feeds 在线用户. Not in the audit log.",
	"monitor.operation_logged":             "One mutating API request (operation log). Stream `oplog-<uuid>`; appended asynchronously. Secrets in `summary` are masked.",
	"dataservice.calls_recorded":           "The report API calls one replica answered in a window of up to 100 ms (at most 1,000 calls). `shapes` holds what calls share (code, version, caller, client IP, redacted parameters, status, error, execute type) once each; `rows` has one `[shape, µs after since, rows, latency µs, cache hit 0|1]` per call, whose call id is the event id with the row's index in its last two bytes. Batches recorded before this form list whole calls (with their own ids and times) in `calls`; both are read. Stream `calls-<uuid>`, one per process; a fact, not in the audit log.",
	"lineage.edge_found":                   "An origin (ETL job, console statement, view, sync task, report API) asserts a table or column edge, direct or indirect. Stream `lineage-origin-<hash of kind and name>`.",
	"lineage.edge_retired":                 "The origin no longer asserts the edge (its SQL changed); other origins may still assert it.",
	"quality.rule_defined":                 "A data-quality rule was created on a catalog table (or column): type, params, threshold `{min, max}` on the metric, severity, optional cron schedule and alert webhook. Stream `qrule-<uuid>`.",
	"quality.rule_updated":                 "The rule's whole definition was replaced.",
	"quality.rule_deleted":                 "The rule was removed; its checks stay in the results history.",
	"quality.check_passed":                 "A check's metric was within the threshold. Recorded on the rule's stream; `previous` is the rule's status before it, and a pass after a failure carries the `incident` it closes (a recovery alert).",
	"quality.check_failed":                 "A check's metric was outside the threshold; `samples` hold up to N offending rows (sensitive columns read `***`). The first failure after a pass opens an `incident` (its check id) that later failures share, so one ongoing failure alerts once.",
	"quality.check_errored":                "A check could not compute its metric (dropped table or column, SQL error or no number, timeout, unreachable datasource); `error` says why. Counts as a failure for incidents.",
}

func generatedEventDocs(codec *eventstore.Codec) string {
	var b strings.Builder
	b.WriteString(beginMark + "\n")
	for _, e := range allEvents() {
		name := e.EventType()
		ctx := eventstore.ContextOf(name)
		fmt.Fprintf(&b, "\n### `%s`\n\n%s\n\n", name, eventDescriptions[name])
		fmt.Fprintf(&b, "- topic: `%s`, key: stream id, schema version: %d\n\n", bus.Topic(ctx), codec.SchemaVersion(name))
		b.WriteString("| field | type |\n|---|---|\n")
		writeFields(&b, reflect.TypeOf(e))
	}
	b.WriteString("\n" + endMark)
	return b.String()
}

// writeFields lists a struct's JSON fields, flattening embedded structs as encoding/json does.
func writeFields(b *strings.Builder, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			writeFields(b, f.Type)
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		fmt.Fprintf(b, "| `%s` | %s |\n", tag, jsonType(f.Type))
	}
}

func jsonType(t reflect.Type) string {
	if t == reflect.TypeFor[json.RawMessage]() {
		return "JSON value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonType(t.Elem()) + " or null"
	case reflect.Slice:
		return "array of " + jsonType(t.Elem())
	case reflect.Array:
		return fmt.Sprintf("array of %d %s", t.Len(), jsonType(t.Elem()))
	case reflect.Map:
		return "object of " + jsonType(t.Elem())
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "number"
	case reflect.Struct:
		if t.String() == "time.Time" {
			return "string (RFC 3339 time)"
		}
		return "object"
	}
	return "string"
}

// docs/events.md must document every event type the code can append, with its current fields.
func TestEventsDocumented(t *testing.T) {
	codec := eventstore.NewCodec(allEvents()...)
	for _, name := range codec.Types() {
		if eventDescriptions[name] == "" {
			t.Errorf("event %s has no description in eventDescriptions", name)
		}
	}
	path := "../../docs/events.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, beginMark), strings.Index(doc, endMark)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the generated-section markers", path)
	}
	want := generatedEventDocs(codec)
	got := doc[i : j+len(endMark)]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc[:i]+want+doc[j+len(endMark):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("docs/events.md is out of step with the code; run: go test ./cmd/assetflow -run TestEventsDocumented -update")
}
