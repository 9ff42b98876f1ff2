package access

import (
	"testing"
	"time"

	"assetflow/domain/fault"
)

func obj(s string) Object { o, _ := ParseObject(s); return o }

func TestDecide(t *testing.T) {
	now := time.Now()
	past := now.Add(-time.Hour)
	g := func(id, o string, p Privilege, effect string) Grant {
		return Grant{ID: id, Object: obj(o), Privilege: p, Effect: effect}
	}
	grants := []Grant{
		g("ds-allow", "ds", PrivQuery, "allow"),
		g("db-deny", "ds.hr", PrivQuery, "deny"),
		g("t-allow", "ds.hr.staff", PrivQuery, "allow"),
		g("c-deny", "ds.hr.staff.salary", PrivQuery, "deny"),
		g("export", "ds.sales", PrivExport, "allow"),
		g("manage-deny", "ds.sales.orders", PrivManage, "deny"),
		{ID: "expired", Object: obj("ds.tmp"), Privilege: PrivQuery, Effect: "deny", ExpiresAt: &past},
	}
	cases := []struct {
		object string
		want   Privilege
		ok     bool
		by     string
	}{
		{"ds.public.t", PrivQuery, true, "ds-allow"},          // the widest allow
		{"ds.hr.other", PrivQuery, false, "db-deny"},          // a narrower deny beats it
		{"ds.hr.staff.name", PrivQuery, true, "t-allow"},      // a narrower allow beats the deny
		{"ds.hr.staff.salary", PrivQuery, false, "c-deny"},    // and a column deny beats that
		{"ds.public.t", PrivExport, false, ""},                // query does not give export
		{"ds.sales.orders.amount", PrivQuery, true, "export"}, // export gives query; a manage deny does not take it
		{"ds.sales.orders", PrivManage, false, "manage-deny"},
		{"ds.tmp.x", PrivQuery, true, "ds-allow"}, // an expired deny no longer applies
		{"other.public.t", PrivQuery, false, ""},  // nothing: denied
	}
	for _, c := range cases {
		d := Decide(grants, obj(c.object), c.want, now)
		by := ""
		if d.Grant != nil {
			by = d.Grant.ID
		}
		if d.Allowed != c.ok || by != c.by {
			t.Errorf("%s %s: allowed=%v by %q (%s), want %v by %q", c.want, c.object, d.Allowed, by, d.Reason, c.ok, c.by)
		}
	}
}

func TestPolicyGrantRules(t *testing.T) {
	now := time.Now()
	p := &Policy{}
	in := GrantInput{Subject: Subject{"user", "u1"}, Object: obj("ds.public.t"), Privilege: PrivQuery, Effect: "allow"}
	id, err := p.Grant("g1", in, now)
	if err != nil || id != "g1" {
		t.Fatal(id, err)
	}
	if id, err := p.Grant("g2", in, now); err != nil || id != "g1" || len(p.Changes()) != 1 {
		t.Fatalf("a repeated grant: %s %v, %d changes", id, err, len(p.Changes()))
	}
	in.Effect = "deny"
	if _, err := p.Grant("g3", in, now); fault.KindOf(err) != fault.KindConflict {
		t.Fatalf("the opposite effect: %v", err)
	}
	in.Privilege = "read"
	if _, err := p.Grant("g4", in, now); fault.KindOf(err) != fault.KindInvalid {
		t.Fatalf("an unknown privilege: %v", err)
	}
	if _, err := p.SetMask("m1", obj("ds.public.t"), MaskFull, 0); fault.KindOf(err) != fault.KindInvalid {
		t.Fatalf("a mask on a table: %v", err)
	}
	if _, err := p.SetMask("m1", obj("ds.public.t.c"), MaskPartial, 0); fault.KindOf(err) != fault.KindInvalid {
		t.Fatalf("a partial mask without keep_last: %v", err)
	}
	if err := p.Revoke("nope"); fault.KindOf(err) != fault.KindNotFound {
		t.Fatalf("revoking an unknown grant: %v", err)
	}
	if err := p.RequestAccess("r1", "u2", obj("ds.public.t"), PrivQuery, "report", nil, now); err != nil {
		t.Fatal(err)
	}
	if err := p.Approve("r1", "g9", nil, now); err != nil || p.Grants["g9"].Subject.ID != "u2" {
		t.Fatalf("approve: %v %v", err, p.Grants["g9"])
	}
	if err := p.Reject("r1", "late"); fault.KindOf(err) != fault.KindConflict {
		t.Fatalf("rejecting an approved request: %v", err)
	}
}

func TestParseObject(t *testing.T) {
	for _, bad := range []string{"", "a..b", "a.b.c.d.e", "."} {
		if _, err := ParseObject(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if o := obj("ds.public.t.c"); o.Depth() != 4 || o.TableOf().String() != "ds.public.t" || o.Level(2).String() != "ds.public" {
		t.Errorf("levels of %v", o)
	}
}
