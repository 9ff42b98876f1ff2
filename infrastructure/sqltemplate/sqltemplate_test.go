package sqltemplate_test

import (
	"strings"
	"testing"

	"assetflow/domain/fault"
	"assetflow/infrastructure/sqltemplate"
)

func TestRender(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, sql string
		params    map[string]any
		want      string
		errPart   string
	}{
		{"plain", "select 1", nil, "select 1", ""},
		{"var and if", "select {{ col }} from t {% if big %}where id > {{ min }}{% endif %}", map[string]any{"col": "id", "big": true, "min": 100}, "select id from t where id > 100", ""},
		{"if false", "select 1 {% if big %}x{% endif %}", map[string]any{"big": false}, "select 1 ", ""},
		{"for", "select {% for c in cols %}{{ c }}{% if not forloop.Last %}, {% endif %}{% endfor %} from t", map[string]any{"cols": []any{"a", "b"}}, "select a, b from t", ""},
		{"filter", "select '{{ name|upper }}'", map[string]any{"name": "x"}, "select 'X'", ""},
		{"default filter", "select {{ limit|default:10 }}", nil, "select 10", ""},
		{"undefined", "select 1\nwhere a = {{ startDate }}", map[string]any{}, "", `line 2: undefined variable "startDate"`},
		{"undefined in if", "select 1 {% if flag and other %}x{% endif %}", map[string]any{"flag": true}, "", `undefined variable "other"`},
		{"broken", "select * from {{ missing.x }", nil, "", "template line 1"},
		{"string literal", `select {% if mode == "full" %}*{% endif %} from t`, map[string]any{"mode": "full"}, "select * from t", ""},
		{"with", "{% with n=10 %}select {{ n }}{% endwith %}", nil, "select 10", ""},
		{"sql literal", "select * from t where name = {{ name|sql }} and n = {{ n|sql }}", map[string]any{"name": "O'Brien", "n": int64(3)}, "select * from t where name = 'O''Brien' and n = 3", ""},
		{"sql list", "select * from t where id in ({{ ids|sqllist }})", map[string]any{"ids": []any{int64(1), "x'y"}}, "select * from t where id in (1, 'x''y')", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := sqltemplate.Render(tc.sql, tc.params)
			if tc.errPart != "" {
				if err == nil || fault.KindOf(err) != fault.KindInvalid || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("want error %q, got %v (%q)", tc.errPart, err, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
