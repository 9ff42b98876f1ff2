// Package datasource holds the use cases of registered databases: register, edit, rotate
// credentials, test, remove, and browse their databases, tables and columns.
package datasource

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"assetflow/domain/catalog"
	domain "assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/domain/quality"
)

// Repository stores datasource aggregates with their name claim and sealed password.
type Repository interface {
	Load(ctx context.Context, id string) (*domain.Datasource, error)
	// Save appends d's changes; a non-nil password replaces the stored one (sealed by the
	// implementation). oldName is the name before the change ("" for a new datasource).
	Save(ctx context.Context, d *domain.Datasource, oldName string, password *string, meta es.Metadata) (es.Ref, error)
	// Password returns the stored clear password (for opening connections only).
	Password(ctx context.Context, id string) (string, error)
}

// Settings is a datasource's configuration with its password, for opening a connection.
type Settings struct {
	Config   domain.Config
	Password string
}

// Connector is what the use cases need of the query executor.
type Connector interface {
	Ping(ctx context.Context) (domain.PingResult, error)
	ListDatabases(ctx context.Context) ([]string, error)
	ListTablesInfo(ctx context.Context, db string) ([]domain.TableInfo, error)
	GetTableSchema(ctx context.Context, db, table string) ([]domain.Column, error)
	ListColumns(ctx context.Context, db string) ([]domain.Column, error)
	Profile(ctx context.Context, spec catalog.ProfileSpec) (catalog.TableProfiled, error)
	Measure(ctx context.Context, spec quality.MeasureSpec) (quality.Measurement, error)
	Samples(ctx context.Context, spec quality.MeasureSpec) ([]quality.Sample, error)
	Query(ctx context.Context, req domain.QueryRequest, sink domain.RowSink) (domain.QueryResult, error)
}

// Connections gives pooled connectors per datasource and one-off connectors for unsaved settings.
type Connections interface {
	// For returns the pooled connector of a datasource at a stream version (a new version
	// replaces the pool).
	For(ctx context.Context, id string, version int, settings func() (Settings, error)) (Connector, error)
	// Probe opens a throw-away connection, runs fn and closes it.
	Probe(ctx context.Context, s Settings, fn func(Connector) error) error
	// Forget closes a datasource's pool.
	Forget(id string)
}

// Facts records connection tests.
type Facts interface {
	Record(ctx context.Context, streamID, streamType string, e es.Event, meta es.Metadata) (es.Ref, error)
}

// UsageFinder lists the assets that use a datasource, in words ("report API sales_daily").
type UsageFinder interface {
	UsagesOf(ctx context.Context, datasourceID string) ([]string, error)
}

// Service runs the datasource use cases.
type Service struct {
	repo   Repository
	conns  Connections
	facts  Facts
	usages []UsageFinder
	// TestTimeout bounds a connection test; default 10s.
	TestTimeout time.Duration
}

// NewService wires the use cases; usages may be empty until other modules register theirs.
func NewService(repo Repository, conns Connections, facts Facts, usages ...UsageFinder) *Service {
	if repo == nil || conns == nil || facts == nil {
		panic("datasource.NewService: nil dependency")
	}
	return &Service{repo: repo, conns: conns, facts: facts, usages: usages, TestTimeout: 10 * time.Second}
}

// Input is the body of register, update and test-before-save.
type Input struct {
	domain.Config
	Password string `json:"password"`
	// ClearPassword removes the stored password on update (an empty Password keeps it).
	ClearPassword bool `json:"clear_password"`
}

// Register adds a datasource owned by the caller.
func (s *Service) Register(ctx context.Context, in Input, meta es.Metadata) (es.Ref, error) {
	id := "datasource-" + uuid.NewString()
	d, err := domain.Register(id, in.Config, meta.ActorID, meta.ActorName, in.Password != "")
	if err != nil {
		return es.Ref{}, err
	}
	var pw *string
	if in.Password != "" {
		pw = &in.Password
	}
	return s.repo.Save(ctx, d, "", pw, meta)
}

// Update edits a datasource; an empty password keeps the stored one.
func (s *Service) Update(ctx context.Context, id string, in Input, meta es.Metadata) (es.Ref, error) {
	d, err := s.load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	oldName := d.Config.Name
	var pw *string
	switch {
	case in.Password != "":
		pw = &in.Password
	case in.ClearPassword:
		empty := ""
		pw = &empty
	}
	if err := d.Update(in.Config, in.Password != "", in.ClearPassword && in.Password == ""); err != nil {
		return es.Ref{}, err
	}
	ref, err := s.repo.Save(ctx, d, oldName, pw, meta)
	if err == nil {
		s.conns.Forget(id)
	}
	return ref, err
}

// Remove deletes a datasource; when other assets use it, cascade must be set.
func (s *Service) Remove(ctx context.Context, id string, cascade bool, meta es.Metadata) (es.Ref, error) {
	d, err := s.load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	var usages []string
	for _, u := range s.usages {
		found, err := u.UsagesOf(ctx, id)
		if err != nil {
			return es.Ref{}, err
		}
		usages = append(usages, found...)
	}
	oldName := d.Config.Name
	if err := d.Remove(usages, cascade); err != nil {
		return es.Ref{}, err
	}
	ref, err := s.repo.Save(ctx, d, oldName, nil, meta)
	if err == nil {
		s.conns.Forget(id)
	}
	return ref, err
}

func (s *Service) load(ctx context.Context, id string) (*domain.Datasource, error) {
	d, err := s.repo.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !d.Exists() {
		return nil, fault.NotFound("datasource", id)
	}
	return d, nil
}

// TestResult is the outcome of a connection test; a failure is a result, not an error.
type TestResult struct {
	OK        bool      `json:"ok"`
	Version   string    `json:"version"`
	LatencyMs int64     `json:"latency_ms"`
	Error     string    `json:"error"`
	ErrorKind string    `json:"error_kind"`
	TestedAt  time.Time `json:"tested_at"`
}

// ErrorKinder is implemented by connector errors that know their kind.
type ErrorKinder interface{ ErrorKind() string }

func result(p domain.PingResult, err error) TestResult {
	now := time.Now().UTC()
	if err != nil {
		r := TestResult{Error: err.Error(), ErrorKind: "error", TestedAt: now}
		var k ErrorKinder
		if errors.As(err, &k) {
			r.ErrorKind = k.ErrorKind()
		}
		return r
	}
	return TestResult{OK: true, Version: p.Version, LatencyMs: max(1, p.Latency.Milliseconds()), TestedAt: now}
}

// Test checks a stored datasource's connection and records the outcome.
func (s *Service) Test(ctx context.Context, id string, meta es.Metadata) (TestResult, es.Ref, error) {
	d, err := s.load(ctx, id)
	if err != nil {
		return TestResult{}, es.Ref{}, err
	}
	pw, err := s.repo.Password(ctx, id)
	if err != nil {
		return TestResult{}, es.Ref{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.TestTimeout)
	defer cancel()
	// A fresh connection: a pooled one would not notice a changed password or a dead server.
	var res TestResult
	_ = s.conns.Probe(ctx, Settings{Config: d.Config, Password: pw}, func(c Connector) error {
		p, err := c.Ping(ctx)
		res = result(p, err)
		return nil
	})
	ref, err := s.facts.Record(context.WithoutCancel(ctx), domain.TestStream(id), "datasource_test", domain.ConnectionTested{
		DatasourceID: id, OK: res.OK, Version: res.Version, LatencyMs: res.LatencyMs, Error: res.Error, ErrorKind: res.ErrorKind,
	}, meta)
	if err != nil {
		return res, es.Ref{}, fmt.Errorf("record connection test: %w", err)
	}
	return res, ref, nil
}

// TestInput checks settings before they are saved. With id, an empty password means the stored one.
func (s *Service) TestInput(ctx context.Context, id string, in Input) (TestResult, error) {
	cfg, err := in.Config.Normalize()
	if err != nil {
		return TestResult{}, err
	}
	pw := in.Password
	if id != "" && pw == "" {
		if _, err := s.load(ctx, id); err != nil {
			return TestResult{}, err
		}
		if pw, err = s.repo.Password(ctx, id); err != nil {
			return TestResult{}, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.TestTimeout)
	defer cancel()
	var res TestResult
	err = s.conns.Probe(ctx, Settings{Config: cfg, Password: pw}, func(c Connector) error {
		p, err := c.Ping(ctx)
		res = result(p, err)
		return nil
	})
	if err != nil {
		return result(domain.PingResult{}, err), nil
	}
	return res, nil
}

// Open returns the pooled connector of a stored datasource and its configuration, for other
// modules (catalog collection, profiling, the query console) that read through it.
func (s *Service) Open(ctx context.Context, id string) (Connector, domain.Config, error) {
	d, err := s.load(ctx, id)
	if err != nil {
		return nil, domain.Config{}, err
	}
	c, err := s.conns.For(ctx, id, d.Version(), func() (Settings, error) {
		pw, err := s.repo.Password(ctx, id)
		return Settings{Config: d.Config, Password: pw}, err
	})
	return c, d.Config, err
}

func (s *Service) connector(ctx context.Context, id string) (Connector, error) {
	c, _, err := s.Open(ctx, id)
	return c, err
}

// Databases lists the datasource's databases, or nil when the engine has no such choice.
func (s *Service) Databases(ctx context.Context, id string) ([]string, error) {
	c, err := s.connector(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.ListDatabases(ctx)
}

// Tables lists tables and views of a database.
func (s *Service) Tables(ctx context.Context, id, db string) ([]domain.TableInfo, error) {
	c, err := s.connector(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.ListTablesInfo(ctx, db)
}

// Schema lists a table's columns.
func (s *Service) Schema(ctx context.Context, id, db, table string) ([]domain.Column, error) {
	c, err := s.connector(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.GetTableSchema(ctx, db, table)
}
