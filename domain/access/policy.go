package access

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Data permissions. Each datasource has one policy stream holding its grants, column masks, row
// filters and access requests, so that a change is checked against the whole policy of the
// datasource and stored atomically: there is never a partial grant state.
//
// Rules:
//   - A grant gives a subject (a user or a role) a privilege (query, export, manage) on an object
//     (the datasource, a database or schema, a table or a column), allowing or denying it, until an
//     optional expiry.
//   - The decision for an object is taken by the most specific level that has a grant for the
//     subject (narrower beats wider); on that level a deny beats an allow. No grant: denied.
//   - manage implies query and export; export implies query.
//   - Admins and the datasource's owner are not restricted and are not masked.
//   - A mask hides a column's values from every restricted user; a row filter limits the rows of a
//     table for one subject (several filters for one user combine with OR: each opens a view).

// Privilege is what a grant allows.
type Privilege string

const (
	PrivQuery  Privilege = "query"
	PrivExport Privilege = "export"
	PrivManage Privilege = "manage"
)

// Privileges lists the privileges, weakest first.
var Privileges = []Privilege{PrivQuery, PrivExport, PrivManage}

// Covers reports whether holding p also gives want.
func (p Privilege) Covers(want Privilege) bool {
	return slices.Index(Privileges, p) >= slices.Index(Privileges, want)
}

// Mask kinds.
const (
	MaskFull    = "full"
	MaskPartial = "partial"
	MaskHash    = "hash"
	MaskNull    = "null"
	MaskYear    = "year"
)

// MaskKinds lists the masks.
var MaskKinds = []string{MaskFull, MaskPartial, MaskHash, MaskNull, MaskYear}

// Object is a path "<datasource_id>[.<db>[.<table>[.<column>]]]": db is the schema on engines
// with schemas (PostgreSQL) and the database on the others.
type Object struct {
	Datasource, DB, Table, Column string
}

// ParseObject reads an object path.
func ParseObject(s string) (Object, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) > 4 || slices.Contains(parts, "") {
		return Object{}, fmt.Errorf("object %q is not <datasource_id>[.<db>[.<table>[.<column>]]]", s)
	}
	parts = append(parts, "", "", "")
	return Object{parts[0], parts[1], parts[2], parts[3]}, nil
}

// Depth is 1 for a datasource, 4 for a column.
func (o Object) Depth() int {
	switch {
	case o.Column != "":
		return 4
	case o.Table != "":
		return 3
	case o.DB != "":
		return 2
	}
	return 1
}

func (o Object) String() string {
	return strings.Join([]string{o.Datasource, o.DB, o.Table, o.Column}[:o.Depth()], ".")
}

// Level is the object cut to depth d (1-4).
func (o Object) Level(d int) Object {
	parts := []string{o.Datasource, o.DB, o.Table, o.Column}
	for i := d; i < 4; i++ {
		parts[i] = ""
	}
	return Object{parts[0], parts[1], parts[2], parts[3]}
}

// TableOf is the table an object at depth ≥ 3 lies in.
func (o Object) TableOf() Object { return o.Level(3) }

// Subject is a user or a role.
type Subject struct {
	Type string `json:"subject_type"` // user | role
	ID   string `json:"subject"`      // user id or role name
}

// Grant is one allow or deny.
type Grant struct {
	ID        string     `json:"id"`
	Subject   Subject    `json:"-"`
	Object    Object     `json:"-"`
	Privilege Privilege  `json:"privilege"`
	Effect    string     `json:"effect"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Active reports whether the grant still holds at now.
func (g Grant) Active(now time.Time) bool { return g.ExpiresAt == nil || now.Before(*g.ExpiresAt) }

// Mask hides one column.
type Mask struct {
	ID       string
	Object   Object
	Kind     string
	KeepLast int
}

// RowFilter limits a table's rows for one subject.
type RowFilter struct {
	ID        string
	Object    Object
	Subject   Subject
	Predicate string
}

// Request is an access request awaiting a decision.
type Request struct {
	ID          string
	RequesterID string
	Object      Object
	Privilege   Privilege
	Reason      string
	ExpiresAt   *time.Time
	Status      string // pending | approved | rejected
}

// Policy is the aggregate: the data permissions of one datasource.
type Policy struct {
	eventsourcing.Root
	Grants     map[string]Grant
	Masks      map[string]Mask
	RowFilters map[string]RowFilter
	Requests   map[string]Request
}

func (*Policy) StreamType() string { return StreamPolicy }

// PolicyStreamID names the policy stream of a datasource.
func PolicyStreamID(datasourceID string) string { return "policy-" + datasourceID }

func (p *Policy) init() {
	if p.Grants == nil {
		p.Grants, p.Masks, p.RowFilters, p.Requests = map[string]Grant{}, map[string]Mask{}, map[string]RowFilter{}, map[string]Request{}
	}
}

// GrantInput is a grant to add.
type GrantInput struct {
	Subject   Subject
	Object    Object
	Privilege Privilege
	Effect    string
	ExpiresAt *time.Time
}

// CheckGrant validates the shape of a grant (existence of the subject and object is checked by
// the caller against the read models).
func CheckGrant(in GrantInput, now time.Time) error {
	var v fault.Collect
	v.Check(in.Subject.Type == "user" || in.Subject.Type == "role", "subject_type", "subject_type must be user or role")
	v.Check(in.Subject.ID != "", "subject", "subject is required")
	v.Check(slices.Contains(Privileges, in.Privilege), "privilege", "privilege must be query, export or manage")
	v.Check(in.Effect == "allow" || in.Effect == "deny", "effect", "effect must be allow or deny")
	v.Check(in.ExpiresAt == nil || in.ExpiresAt.After(now), "expires_at", "expires_at must be in the future")
	return v.Err()
}

// Grant adds a grant. An identical active grant answers its id instead of adding another; the
// opposite effect for the same subject, object and privilege is a conflict to be resolved by
// revoking one first.
func (p *Policy) Grant(id string, in GrantInput, now time.Time) (string, error) {
	p.init()
	if err := CheckGrant(in, now); err != nil {
		return "", err
	}
	for _, g := range p.Grants {
		if g.Subject != in.Subject || g.Object != in.Object || g.Privilege != in.Privilege || !g.Active(now) {
			continue
		}
		if g.Effect == in.Effect {
			return g.ID, nil
		}
		return "", fault.Conflict(fmt.Sprintf("grant %s already says %s for %s %s on %s (%s); revoke it first",
			g.ID, g.Effect, g.Subject.Type, g.Subject.ID, g.Object, g.Privilege))
	}
	eventsourcing.Record(p, Granted{GrantID: id, DatasourceID: in.Object.Datasource, SubjectType: in.Subject.Type, Subject: in.Subject.ID,
		Object: in.Object.String(), Privilege: string(in.Privilege), Effect: in.Effect, ExpiresAt: in.ExpiresAt})
	return id, nil
}

// Revoke removes a grant.
func (p *Policy) Revoke(id string) error {
	p.init()
	if _, ok := p.Grants[id]; !ok {
		return fault.NotFound("grant", id)
	}
	eventsourcing.Record(p, Revoked{GrantID: id})
	return nil
}

// Expire records the end of grants whose expiry has passed.
func (p *Policy) Expire(now time.Time) int {
	p.init()
	n := 0
	for _, id := range sortedKeys(p.Grants) {
		if !p.Grants[id].Active(now) {
			eventsourcing.Record(p, Expired{GrantID: id})
			n++
		}
	}
	return n
}

// SetMask masks a column, replacing its previous mask.
func (p *Policy) SetMask(id string, o Object, kind string, keepLast int) (string, error) {
	p.init()
	var v fault.Collect
	v.Check(o.Depth() == 4, "object", "a mask applies to a column: <datasource_id>.<db>.<table>.<column>")
	v.Check(slices.Contains(MaskKinds, kind), "mask", "mask must be one of "+strings.Join(MaskKinds, ", "))
	if kind == MaskPartial {
		v.Check(keepLast >= 1 && keepLast <= 64, "keep_last", "keep_last must be 1-64 for a partial mask")
	} else {
		v.Check(keepLast == 0, "keep_last", "keep_last applies to partial masks only")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	for _, m := range p.Masks {
		if m.Object == o {
			id = m.ID
		}
	}
	eventsourcing.Record(p, MaskSet{MaskID: id, DatasourceID: o.Datasource, Object: o.String(), Mask: kind, KeepLast: keepLast})
	return id, nil
}

// RemoveMask unmasks a column.
func (p *Policy) RemoveMask(id string) error {
	p.init()
	if _, ok := p.Masks[id]; !ok {
		return fault.NotFound("mask", id)
	}
	eventsourcing.Record(p, MaskRemoved{MaskID: id})
	return nil
}

// SetRowFilter limits a table's rows for a subject, replacing the subject's previous filter on it.
// The predicate has been parsed by the caller in the datasource's dialect.
func (p *Policy) SetRowFilter(id string, o Object, s Subject, predicate string) (string, error) {
	p.init()
	var v fault.Collect
	v.Check(o.Depth() == 3, "object", "a row filter applies to a table: <datasource_id>.<db>.<table>")
	v.Check(s.Type == "user" || s.Type == "role", "subject_type", "subject_type must be user or role")
	v.Check(s.ID != "", "subject", "subject is required")
	v.Check(strings.TrimSpace(predicate) != "" && len(predicate) <= 4000, "predicate", "predicate must have 1-4000 characters")
	if err := v.Err(); err != nil {
		return "", err
	}
	for _, f := range p.RowFilters {
		if f.Object == o && f.Subject == s {
			id = f.ID
		}
	}
	eventsourcing.Record(p, RowFilterSet{FilterID: id, DatasourceID: o.Datasource, Object: o.String(), SubjectType: s.Type, Subject: s.ID, Predicate: predicate})
	return id, nil
}

// RemoveRowFilter drops a row filter.
func (p *Policy) RemoveRowFilter(id string) error {
	p.init()
	if _, ok := p.RowFilters[id]; !ok {
		return fault.NotFound("row filter", id)
	}
	eventsourcing.Record(p, RowFilterRemoved{FilterID: id})
	return nil
}

// RequestAccess records a user's request for a privilege on an object.
func (p *Policy) RequestAccess(id, requesterID string, o Object, priv Privilege, reason string, expires *time.Time, now time.Time) error {
	p.init()
	var v fault.Collect
	v.Check(slices.Contains(Privileges, priv), "privilege", "privilege must be query, export or manage")
	v.Check(strings.TrimSpace(reason) != "" && len([]rune(reason)) <= 1000, "reason", "reason must have 1-1000 characters")
	v.Check(expires == nil || expires.After(now), "expires_at", "expires_at must be in the future")
	if err := v.Err(); err != nil {
		return err
	}
	for _, r := range p.Requests {
		if r.Status == "pending" && r.RequesterID == requesterID && r.Object == o && r.Privilege == priv {
			return fault.Conflict("the same request (" + r.ID + ") is already waiting for a decision")
		}
	}
	eventsourcing.Record(p, Requested{RequestID: id, DatasourceID: o.Datasource, RequesterID: requesterID, Object: o.String(),
		Privilege: string(priv), Reason: strings.TrimSpace(reason), ExpiresAt: expires})
	return nil
}

// Approve grants a pending request (with the approver's expiry, if any, over the requested one).
func (p *Policy) Approve(requestID, grantID string, expires *time.Time, now time.Time) error {
	r, err := p.pending(requestID)
	if err != nil {
		return err
	}
	if expires == nil {
		expires = r.ExpiresAt
	}
	in := GrantInput{Subject: Subject{Type: "user", ID: r.RequesterID}, Object: r.Object, Privilege: r.Privilege, Effect: "allow", ExpiresAt: expires}
	if err := CheckGrant(in, now); err != nil {
		return err
	}
	eventsourcing.Record(p, Approved{RequestID: requestID, GrantID: grantID})
	if _, err := p.Grant(grantID, in, now); err != nil {
		return err
	}
	return nil
}

// Reject refuses a pending request.
func (p *Policy) Reject(requestID, reason string) error {
	if _, err := p.pending(requestID); err != nil {
		return err
	}
	eventsourcing.Record(p, Rejected{RequestID: requestID, Reason: strings.TrimSpace(reason)})
	return nil
}

func (p *Policy) pending(id string) (Request, error) {
	p.init()
	r, ok := p.Requests[id]
	if !ok {
		return r, fault.NotFound("access request", id)
	}
	if r.Status != "pending" {
		return r, fault.Conflict("the request was already " + r.Status)
	}
	return r, nil
}

// Transition applies an event.
func (p *Policy) Transition(e eventsourcing.Event) {
	p.init()
	switch e := e.(type) {
	case Granted:
		o, _ := ParseObject(e.Object)
		p.Grants[e.GrantID] = Grant{ID: e.GrantID, Subject: Subject{e.SubjectType, e.Subject}, Object: o,
			Privilege: Privilege(e.Privilege), Effect: e.Effect, ExpiresAt: e.ExpiresAt}
	case Revoked:
		delete(p.Grants, e.GrantID)
	case Expired:
		delete(p.Grants, e.GrantID)
	case MaskSet:
		o, _ := ParseObject(e.Object)
		p.Masks[e.MaskID] = Mask{ID: e.MaskID, Object: o, Kind: e.Mask, KeepLast: e.KeepLast}
	case MaskRemoved:
		delete(p.Masks, e.MaskID)
	case RowFilterSet:
		o, _ := ParseObject(e.Object)
		p.RowFilters[e.FilterID] = RowFilter{ID: e.FilterID, Object: o, Subject: Subject{e.SubjectType, e.Subject}, Predicate: e.Predicate}
	case RowFilterRemoved:
		delete(p.RowFilters, e.FilterID)
	case Requested:
		o, _ := ParseObject(e.Object)
		p.Requests[e.RequestID] = Request{ID: e.RequestID, RequesterID: e.RequesterID, Object: o, Privilege: Privilege(e.Privilege),
			Reason: e.Reason, ExpiresAt: e.ExpiresAt, Status: "pending"}
	case Approved:
		r := p.Requests[e.RequestID]
		r.Status = "approved"
		p.Requests[e.RequestID] = r
	case Rejected:
		r := p.Requests[e.RequestID]
		r.Status = "rejected"
		p.Requests[e.RequestID] = r
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Decision is the answer for one object.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	// Grant decided it; nil when nothing matched (denied by default) or the subject is unrestricted.
	Grant *Grant `json:"grant"`
}

// Decide applies the rules to the grants that apply to a user (their own and their roles') for
// one object: the most specific level with a grant for the privilege decides, and on that level a
// deny beats an allow.
func Decide(grants []Grant, o Object, want Privilege, now time.Time) Decision {
	for d := o.Depth(); d >= 1; d-- {
		level := o.Level(d)
		var allow, deny *Grant
		for i := range grants {
			g := &grants[i]
			if g.Object != level || !g.Active(now) {
				continue
			}
			// A deny of query also denies export and manage (they include it); an allow must cover.
			if g.Effect == "deny" && want.Covers(g.Privilege) {
				deny = g
			} else if g.Effect == "allow" && g.Privilege.Covers(want) && allow == nil {
				allow = g
			}
		}
		if deny != nil {
			return Decision{Reason: fmt.Sprintf("denied by grant %s (%s %s on %s)", deny.ID, deny.Effect, deny.Privilege, deny.Object), Grant: deny}
		}
		if allow != nil {
			return Decision{Allowed: true, Reason: fmt.Sprintf("allowed by grant %s (%s %s on %s)", allow.ID, allow.Effect, allow.Privilege, allow.Object), Grant: allow}
		}
	}
	return Decision{Reason: fmt.Sprintf("no grant gives %s on %s", want, o)}
}

// MaskValue applies a mask to one value read outside SQL (samples of quality checks): the same
// forms as the SQL views give.
func MaskValue(kind string, keepLast int, v any) any {
	if v == nil {
		return nil
	}
	s := fmt.Sprint(v)
	switch kind {
	case MaskFull:
		return "****"
	case MaskPartial:
		r := []rune(s)
		if len(r) <= keepLast {
			return s
		}
		return strings.Repeat("*", len(r)-keepLast) + string(r[len(r)-keepLast:])
	case MaskHash:
		h := sha256.Sum256([]byte(s))
		return hex.EncodeToString(h[:])
	case MaskYear:
		if len(s) >= 4 {
			return s[:4] + "-01-01"
		}
		return nil
	}
	return nil
}
