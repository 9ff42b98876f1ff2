package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"assetflow/domain/lineage"
)

func TestLineageParseCommand(t *testing.T) {
	var out bytes.Buffer
	in := strings.NewReader("create table tmp as select id from ods.s;\ninsert into T select id from tmp;")
	if err := lineageCommand([]string{"parse", "--dialect", "postgres", "--default-schema", "dw"}, in, &out); err != nil {
		t.Fatal(err)
	}
	var res lineage.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if strings.Join(res.Sources, ",") != "ods.s" || strings.Join(res.Targets, ",") != "dw.t" || strings.Join(res.Intermediates, ",") != "dw.tmp" {
		t.Fatalf("%s", out.String())
	}
	for _, key := range []string{`"sources"`, `"targets"`, `"intermediates"`, `"column_lineage"`, `"indirect"`, `"errors"`} {
		if !strings.Contains(out.String(), key) {
			t.Errorf("missing %s in %s", key, out.String())
		}
	}

	out.Reset()
	err := lineageCommand([]string{"parse", "--dialect", "postgres"}, strings.NewReader("insert into t select a from"), &out)
	if !errors.Is(err, errReported) || !strings.Contains(out.String(), `"errors":["`) {
		t.Fatalf("unparsable script: err %v, out %s", err, out.String())
	}
	if err := lineageCommand([]string{"parse", "--dialect", "cobol"}, strings.NewReader("select 1"), &out); err == nil || !strings.Contains(err.Error(), "unknown dialect") {
		t.Fatalf("unknown dialect: %v", err)
	}
	if err := lineageCommand(nil, strings.NewReader(""), &out); err == nil {
		t.Fatal("missing subcommand accepted")
	}
}
