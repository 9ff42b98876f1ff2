package permission

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	domain "assetflow/domain/access"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Service runs the policy commands and answers access questions.
type Service struct {
	aggs      Aggregates
	directory Directory
	guard     *Guard
	now       Clock
}

// NewService wires the policy commands over the guard's ports.
func NewService(aggs Aggregates, directory Directory, guard *Guard) *Service {
	if aggs == nil || directory == nil || guard == nil {
		panic("permission.NewService: nil dependency")
	}
	return &Service{aggs: aggs, directory: directory, guard: guard, now: time.Now}
}

// object parses an object path and checks that it names something the datasource and its
// catalog hold.
func (s *Service) object(ctx context.Context, field, path string) (domain.Object, Source, error) {
	o, err := domain.ParseObject(path)
	if err != nil {
		return o, Source{}, fault.Field(field, err.Error())
	}
	src, err := s.guard.sources.Source(ctx, o.Datasource)
	if fault.KindOf(err) == fault.KindNotFound {
		return o, src, fault.Field(field, "no datasource "+o.Datasource)
	}
	if err != nil {
		return o, src, err
	}
	switch o.Depth() {
	case 2:
		ok, err := s.guard.catalog.DBExists(ctx, o.Datasource, o.DB)
		if err != nil {
			return o, src, err
		}
		if !ok {
			return o, src, fault.Field(field, fmt.Sprintf("the catalog holds no %s in datasource %s; collect its metadata first", o.DB, o.Datasource))
		}
	case 3, 4:
		cols, err := s.guard.catalog.Columns(ctx, o.Datasource, o.DB, o.Table)
		if err != nil {
			return o, src, err
		}
		if cols == nil {
			return o, src, fault.Field(field, fmt.Sprintf("the catalog holds no table %s.%s in datasource %s", o.DB, o.Table, o.Datasource))
		}
		if o.Depth() == 4 && !slices.ContainsFunc(cols, func(c string) bool { return c == o.Column || foldsCase(src.Dialect) && strings.EqualFold(c, o.Column) }) {
			return o, src, fault.Field(field, fmt.Sprintf("table %s.%s has no column %s", o.DB, o.Table, o.Column))
		}
	}
	return o, src, nil
}

// subject resolves a subject; users may be named by username or id.
func (s *Service) subject(ctx context.Context, typ, name string) (domain.Subject, error) {
	switch typ {
	case "role":
		if !domain.ValidRole(name) {
			return domain.Subject{}, fault.Field("subject", fmt.Sprintf("no role %q", name))
		}
		return domain.Subject{Type: "role", ID: name}, nil
	case "user":
		id, _, err := s.directory.User(ctx, name)
		if fault.KindOf(err) == fault.KindNotFound {
			return domain.Subject{}, fault.Field("subject", fmt.Sprintf("no user %q", name))
		}
		return domain.Subject{Type: "user", ID: id}, err
	}
	return domain.Subject{}, fault.Field("subject_type", "subject_type must be user or role")
}

// mayManage checks that the caller may change the policy of an object: admins, the datasource's
// owner and holders of manage on the object or above.
func (s *Service) mayManage(ctx context.Context, who Who, src Source, o domain.Object) error {
	if Unrestricted(who, src) {
		return nil
	}
	pol, err := s.guard.policy(ctx, src)
	if err != nil {
		return err
	}
	if d := domain.Decide(pol.grantsOf(who), o, domain.PrivManage, s.now()); !d.Allowed {
		return fault.Forbidden("only admins, the datasource's owner and holders of manage on " + o.String() + " change its permissions")
	}
	return nil
}

func (s *Service) change(ctx context.Context, datasourceID string, meta es.Metadata, fn func(*domain.Policy) error) (es.Ref, error) {
	p := &domain.Policy{}
	if err := s.aggs.Load(ctx, domain.PolicyStreamID(datasourceID), p); err != nil {
		return es.Ref{}, err
	}
	p.SetID(domain.PolicyStreamID(datasourceID))
	if err := fn(p); err != nil {
		return es.Ref{}, err
	}
	if len(p.Changes()) == 0 {
		return es.Ref{StreamID: p.ID(), Version: p.Version()}, nil
	}
	return s.aggs.Commit(ctx, p, meta)
}

// GrantInput is the body of POST /api/access/grants.
type GrantInput struct {
	SubjectType string     `json:"subject_type"`
	Subject     string     `json:"subject"`
	Object      string     `json:"object"`
	Privilege   string     `json:"privilege"`
	Effect      string     `json:"effect"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

// Grant adds a grant and answers its id.
func (s *Service) Grant(ctx context.Context, who Who, in GrantInput, meta es.Metadata) (string, es.Ref, error) {
	var v fault.Collect
	v.Check(in.Object != "", "object", "object is required")
	v.Check(in.Subject != "", "subject", "subject is required")
	if err := v.Err(); err != nil {
		return "", es.Ref{}, err
	}
	o, src, err := s.object(ctx, "object", in.Object)
	if err != nil {
		return "", es.Ref{}, err
	}
	subj, err := s.subject(ctx, in.SubjectType, in.Subject)
	if err != nil {
		return "", es.Ref{}, err
	}
	g := domain.GrantInput{Subject: subj, Object: o, Privilege: domain.Privilege(in.Privilege), Effect: in.Effect, ExpiresAt: in.ExpiresAt}
	if err := domain.CheckGrant(g, s.now()); err != nil {
		return "", es.Ref{}, err
	}
	return s.addItem(ctx, who, src, o, meta, func(p *domain.Policy) (string, error) {
		return p.Grant("grant-"+uuid.NewString(), g, s.now())
	})
}

// addItem adds a grant, mask or row filter to a policy once the caller is found to manage its
// object, and answers the item's id.
func (s *Service) addItem(ctx context.Context, who Who, src Source, o domain.Object, meta es.Metadata,
	add func(*domain.Policy) (string, error)) (string, es.Ref, error) {
	if err := s.mayManage(ctx, who, src, o); err != nil {
		return "", es.Ref{}, err
	}
	var id string
	ref, err := s.change(ctx, o.Datasource, meta, func(p *domain.Policy) error {
		var err error
		id, err = add(p)
		return err
	})
	return id, ref, err
}

// Revoke removes a grant of a datasource.
func (s *Service) Revoke(ctx context.Context, who Who, datasourceID, grantID string, meta es.Metadata) (es.Ref, error) {
	return s.removeItem(ctx, who, datasourceID, meta, func(p *domain.Policy) (domain.Object, bool, func() error) {
		g, ok := p.Grants[grantID]
		return g.Object, ok, func() error { return p.Revoke(grantID) }
	}, "grant", grantID)
}

// removeItem removes one grant, mask or row filter of a policy, once the caller is found to
// manage its object.
func (s *Service) removeItem(ctx context.Context, who Who, datasourceID string, meta es.Metadata,
	find func(*domain.Policy) (domain.Object, bool, func() error), kind, id string) (es.Ref, error) {
	return s.change(ctx, datasourceID, meta, func(p *domain.Policy) error {
		o, ok, remove := find(p)
		if !ok {
			return fault.NotFound(kind, id)
		}
		src, err := s.guard.sources.Source(ctx, datasourceID)
		if err != nil {
			return err
		}
		if err := s.mayManage(ctx, who, src, o); err != nil {
			return err
		}
		return remove()
	})
}

// MaskInput is the body of POST /api/access/masks.
type MaskInput struct {
	Object   string `json:"object"`
	Mask     string `json:"mask"`
	KeepLast int    `json:"keep_last"`
}

// SetMask masks a column.
func (s *Service) SetMask(ctx context.Context, who Who, in MaskInput, meta es.Metadata) (string, es.Ref, error) {
	if in.Object == "" {
		return "", es.Ref{}, fault.Field("object", "object is required")
	}
	o, src, err := s.object(ctx, "object", in.Object)
	if err != nil {
		return "", es.Ref{}, err
	}
	return s.addItem(ctx, who, src, o, meta, func(p *domain.Policy) (string, error) {
		return p.SetMask("mask-"+uuid.NewString(), o, in.Mask, in.KeepLast)
	})
}

// RemoveMask unmasks a column.
func (s *Service) RemoveMask(ctx context.Context, who Who, datasourceID, maskID string, meta es.Metadata) (es.Ref, error) {
	return s.removeItem(ctx, who, datasourceID, meta, func(p *domain.Policy) (domain.Object, bool, func() error) {
		m, ok := p.Masks[maskID]
		return m.Object, ok, func() error { return p.RemoveMask(maskID) }
	}, "mask", maskID)
}

// RowFilterInput is the body of POST /api/access/row-filters.
type RowFilterInput struct {
	Object      string `json:"object"`
	SubjectType string `json:"subject_type"`
	Subject     string `json:"subject"`
	Predicate   string `json:"predicate"`
}

// SetRowFilter limits a table's rows for a subject; the predicate is parsed in the datasource's
// dialect first.
func (s *Service) SetRowFilter(ctx context.Context, who Who, in RowFilterInput, meta es.Metadata) (string, es.Ref, error) {
	if in.Object == "" {
		return "", es.Ref{}, fault.Field("object", "object is required")
	}
	o, src, err := s.object(ctx, "object", in.Object)
	if err != nil {
		return "", es.Ref{}, err
	}
	if o.Depth() != 3 {
		return "", es.Ref{}, fault.Field("object", "a row filter applies to a table: <datasource_id>.<db>.<table>")
	}
	subj, err := s.subject(ctx, in.SubjectType, in.Subject)
	if err != nil {
		return "", es.Ref{}, err
	}
	pred := strings.TrimSpace(in.Predicate)
	if pred == "" {
		return "", es.Ref{}, fault.Field("predicate", "predicate is required")
	}
	if err := s.guard.analyser.CheckPredicate(src.Dialect, pred); err != nil {
		return "", es.Ref{}, fault.Field("predicate", "the predicate does not parse as one condition: "+err.Error())
	}
	return s.addItem(ctx, who, src, o, meta, func(p *domain.Policy) (string, error) {
		return p.SetRowFilter("rowfilter-"+uuid.NewString(), o, subj, pred)
	})
}

// RemoveRowFilter drops a row filter.
func (s *Service) RemoveRowFilter(ctx context.Context, who Who, datasourceID, filterID string, meta es.Metadata) (es.Ref, error) {
	return s.removeItem(ctx, who, datasourceID, meta, func(p *domain.Policy) (domain.Object, bool, func() error) {
		f, ok := p.RowFilters[filterID]
		return f.Object, ok, func() error { return p.RemoveRowFilter(filterID) }
	}, "row filter", filterID)
}

// RequestInput is the body of POST /api/access/requests.
type RequestInput struct {
	Object    string     `json:"object"`
	Privilege string     `json:"privilege"`
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Request records the caller's request for access.
func (s *Service) Request(ctx context.Context, who Who, in RequestInput, meta es.Metadata) (string, es.Ref, error) {
	if in.Object == "" {
		return "", es.Ref{}, fault.Field("object", "object is required")
	}
	o, _, err := s.object(ctx, "object", in.Object)
	if err != nil {
		return "", es.Ref{}, err
	}
	id := "request-" + uuid.NewString()
	ref, err := s.change(ctx, o.Datasource, meta, func(p *domain.Policy) error {
		return p.RequestAccess(id, who.UserID, o, domain.Privilege(in.Privilege), in.Reason, in.ExpiresAt, s.now())
	})
	return id, ref, err
}

// Decision is the body of approve and reject.
type Decision struct {
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Approve grants a pending request; the approver must be able to manage its object.
func (s *Service) Approve(ctx context.Context, who Who, datasourceID, requestID string, d Decision, meta es.Metadata) (string, es.Ref, error) {
	grantID := "grant-" + uuid.NewString()
	ref, err := s.change(ctx, datasourceID, meta, func(p *domain.Policy) error {
		r, ok := p.Requests[requestID]
		if !ok {
			return fault.NotFound("access request", requestID)
		}
		if err := s.decider(ctx, who, datasourceID, r); err != nil {
			return err
		}
		return p.Approve(requestID, grantID, d.ExpiresAt, s.now())
	})
	return grantID, ref, err
}

// Reject refuses a pending request.
func (s *Service) Reject(ctx context.Context, who Who, datasourceID, requestID string, d Decision, meta es.Metadata) (es.Ref, error) {
	return s.change(ctx, datasourceID, meta, func(p *domain.Policy) error {
		r, ok := p.Requests[requestID]
		if !ok {
			return fault.NotFound("access request", requestID)
		}
		if err := s.decider(ctx, who, datasourceID, r); err != nil {
			return err
		}
		return p.Reject(requestID, d.Reason)
	})
}

func (s *Service) decider(ctx context.Context, who Who, datasourceID string, r domain.Request) error {
	if r.RequesterID == who.UserID && !who.Admin {
		return fault.Forbidden("a request is decided by someone other than its requester")
	}
	src, err := s.guard.sources.Source(ctx, datasourceID)
	if err != nil {
		return err
	}
	return s.mayManage(ctx, who, src, r.Object)
}

// ExpireDue records the expiry of every grant of a datasource whose time has passed.
func (s *Service) ExpireDue(ctx context.Context, datasourceID string) (int, error) {
	n := 0
	_, err := s.change(ctx, datasourceID, es.Metadata{ActorName: "system"}, func(p *domain.Policy) error {
		n = p.Expire(s.now())
		return nil
	})
	return n, err
}

// Explanation answers "may this user do this on this object, and why".
type Explanation struct {
	User         string            `json:"user"`
	Object       string            `json:"object"`
	Privilege    string            `json:"privilege"`
	Allowed      bool              `json:"allowed"`
	Unrestricted bool              `json:"unrestricted"`
	Reason       string            `json:"reason"`
	Grant        *domain.Grant     `json:"grant"`
	Mask         *ExplainedMask    `json:"mask"`
	RowFilters   []ExplainedFilter `json:"row_filters"`
}

// ExplainedMask is the mask a column shows through.
type ExplainedMask struct {
	ID       string `json:"id"`
	Mask     string `json:"mask"`
	KeepLast int    `json:"keep_last"`
}

// ExplainedFilter is a row filter applying to the user.
type ExplainedFilter struct {
	ID        string `json:"id"`
	Predicate string `json:"predicate"`
	Subject   string `json:"subject"`
}

// Explain tells whether a user may use a privilege on an object, which grant decides it, and which
// mask and row filters shape what they see.
func (s *Service) Explain(ctx context.Context, user, object, privilege string) (Explanation, error) {
	var v fault.Collect
	v.Check(user != "", "user", "user is required")
	v.Check(object != "", "object", "object is required")
	if privilege == "" {
		privilege = string(domain.PrivQuery)
	}
	v.Check(slices.Contains(domain.Privileges, domain.Privilege(privilege)), "privilege", "privilege must be query, export or manage")
	if err := v.Err(); err != nil {
		return Explanation{}, err
	}
	o, src, err := s.object(ctx, "object", object)
	if err != nil {
		return Explanation{}, err
	}
	id, roles, err := s.directory.User(ctx, user)
	if fault.KindOf(err) == fault.KindNotFound {
		return Explanation{}, fault.Field("user", fmt.Sprintf("no user %q", user))
	}
	if err != nil {
		return Explanation{}, err
	}
	who := Who{UserID: id, Roles: roles, Admin: slices.Contains(roles, string(domain.RoleAdmin))}
	ex := Explanation{User: user, Object: o.String(), Privilege: privilege, RowFilters: []ExplainedFilter{}}
	if Unrestricted(who, src) {
		ex.Allowed, ex.Unrestricted = true, true
		ex.Reason = "admins and the datasource's owner are not restricted by grants, masks or row filters"
		return ex, nil
	}
	pol, err := s.guard.policy(ctx, src)
	if err != nil {
		return Explanation{}, err
	}
	d := domain.Decide(pol.grantsOf(who), o, domain.Privilege(privilege), s.now())
	ex.Allowed, ex.Reason, ex.Grant = d.Allowed, d.Reason, d.Grant
	if m, ok := pol.masks[o]; ok && o.Depth() == 4 {
		ex.Mask = &ExplainedMask{ID: m.ID, Mask: m.Kind, KeepLast: m.KeepLast}
	}
	if o.Depth() >= 3 {
		for _, f := range pol.filters[o.TableOf()] {
			if slices.Contains(who.Subjects(), f.Subject) {
				ex.RowFilters = append(ex.RowFilters, ExplainedFilter{ID: f.ID, Predicate: f.Predicate, Subject: f.Subject.Type + ":" + f.Subject.ID})
			}
		}
	}
	return ex, nil
}

// ColumnView says what a caller sees of a catalog table's columns: the columns hidden from them
// (denied query) and the mask of each masked column. Both are nil for unrestricted callers.
func (s *Service) ColumnView(ctx context.Context, who Who, datasourceID, db, table string, cols []string) (hidden map[string]bool, masked map[string]domain.Mask, err error) {
	src, err := s.guard.source(ctx, datasourceID)
	if err != nil || Unrestricted(who, src) {
		return nil, nil, err
	}
	pol, err := s.guard.policy(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	grants, now := pol.grantsOf(who), s.now()
	hidden, masked = map[string]bool{}, map[string]domain.Mask{}
	for _, c := range cols {
		o := domain.Object{Datasource: datasourceID, DB: db, Table: table, Column: c}
		if foldsCase(src.Dialect) {
			o.DB, o.Table, o.Column = strings.ToLower(db), strings.ToLower(table), strings.ToLower(c)
		}
		if !domain.Decide(grants, o, domain.PrivQuery, now).Allowed {
			hidden[c] = true
		}
		if m, ok := pol.masks[o]; ok {
			masked[c] = m
		}
	}
	return hidden, masked, nil
}

// Settled tells the guard that a policy stream's change has reached the read model, so that this
// replica's next check reads it.
func (s *Service) Settled(ref es.Ref) {
	s.guard.Forget(strings.TrimPrefix(ref.StreamID, domain.PolicyStreamID("")))
}

// TableVisible reports whether a caller may see a table at all: unrestricted callers see every
// table; others one whose table-level decision allows them or with a column granted to them.
func (s *Service) TableVisible(ctx context.Context, who Who, datasourceID, db, table string) (bool, error) {
	src, err := s.guard.source(ctx, datasourceID)
	if err != nil || Unrestricted(who, src) {
		return err == nil, err
	}
	pol, err := s.guard.policy(ctx, src)
	if err != nil {
		return false, err
	}
	o := domain.Object{Datasource: datasourceID, DB: db, Table: table}
	if foldsCase(src.Dialect) {
		o.DB, o.Table = strings.ToLower(db), strings.ToLower(table)
	}
	grants, now := pol.grantsOf(who), s.now()
	if domain.Decide(grants, o, domain.PrivQuery, now).Allowed {
		return true, nil
	}
	for _, g := range grants {
		if g.Object.Depth() == 4 && g.Object.TableOf() == o && g.Effect == "allow" && g.Active(now) {
			return true, nil
		}
	}
	return false, nil
}
