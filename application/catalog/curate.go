package catalog

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"

	domain "assetflow/domain/catalog"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Aggregates loads and saves event-sourced aggregates.
type Aggregates interface {
	Load(ctx context.Context, id string, agg es.Aggregate) error
	Commit(ctx context.Context, agg es.Aggregate, meta es.Metadata) (es.Ref, error)
}

// Lookups answers the questions curation asks of the catalog read model.
type Lookups interface {
	TagDefined(ctx context.Context, name string) (bool, error)
	CategoryPath(ctx context.Context, id string) (ancestors []string, exists bool, err error)
	CategoryHasChildren(ctx context.Context, id string) (bool, error)
}

// Curator runs the curation use cases.
type Curator struct {
	aggs     Aggregates
	lookups  Lookups
	recorder Recorder
}

// NewCurator wires curation.
func NewCurator(aggs Aggregates, lookups Lookups, recorder Recorder) *Curator {
	if aggs == nil || lookups == nil || recorder == nil {
		panic("catalog.NewCurator: nil dependency")
	}
	return &Curator{aggs: aggs, lookups: lookups, recorder: recorder}
}

func (c *Curator) table(ctx context.Context, id string) (*domain.Table, error) {
	t := &domain.Table{}
	if err := c.aggs.Load(ctx, id, t); err != nil {
		return nil, err
	}
	if !t.Exists() {
		return nil, fault.NotFound("catalog table", id)
	}
	return t, nil
}

func (c *Curator) change(ctx context.Context, id string, meta es.Metadata, fn func(*domain.Table) error) (es.Ref, error) {
	t, err := c.table(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if err := fn(t); err != nil {
		return es.Ref{}, err
	}
	return c.aggs.Commit(ctx, t, meta)
}

// Describe sets a table's description and owner.
func (c *Curator) Describe(ctx context.Context, id, description, owner string, meta es.Metadata) (es.Ref, error) {
	return c.change(ctx, id, meta, func(t *domain.Table) error { return t.Describe(description, owner) })
}

func (c *Curator) known(ctx context.Context) (func(string) bool, *error) {
	var lookupErr error
	return func(name string) bool {
		ok, err := c.lookups.TagDefined(ctx, name)
		if err != nil {
			lookupErr = err
		}
		return ok
	}, &lookupErr
}

// Tag sets a table's (or, with column, a column's) tags; every tag must be defined.
func (c *Curator) Tag(ctx context.Context, id, column string, tags []string, meta es.Metadata) (es.Ref, error) {
	known, lookupErr := c.known(ctx)
	ref, err := c.change(ctx, id, meta, func(t *domain.Table) error {
		if column == "" {
			return t.Tag(tags, known)
		}
		return t.TagColumn(column, tags, known)
	})
	if *lookupErr != nil {
		return es.Ref{}, *lookupErr
	}
	return ref, err
}

// Classify puts a table or column in a category ("" clears it).
func (c *Curator) Classify(ctx context.Context, id, column, categoryID string, meta es.Metadata) (es.Ref, error) {
	if categoryID != "" {
		if _, ok, err := c.lookups.CategoryPath(ctx, categoryID); err != nil {
			return es.Ref{}, err
		} else if !ok {
			return es.Ref{}, fault.Field("category_id", "no such category")
		}
	}
	return c.change(ctx, id, meta, func(t *domain.Table) error { return t.Classify(column, categoryID) })
}

// Delete removes an entry from the catalog; Restore brings it back.
func (c *Curator) Delete(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	return c.change(ctx, id, meta, func(t *domain.Table) error { return t.Delete() })
}

// Restore brings a deleted entry back.
func (c *Curator) Restore(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	return c.change(ctx, id, meta, func(t *domain.Table) error { return t.Restore() })
}

// RegisterInput is a table entered by hand.
type RegisterInput struct {
	DatasourceID string          `json:"datasource_id"`
	Database     string          `json:"database"`
	Schema       string          `json:"schema"`
	Name         string          `json:"name"`
	Comment      string          `json:"comment"`
	Columns      []domain.Column `json:"columns"`
}

// Register enters a table by hand; the same location cannot be registered twice.
func (c *Curator) Register(ctx context.Context, in RegisterInput, datasourceName string, meta es.Metadata) (es.Ref, error) {
	t, err := domain.RegisterTable(domain.Source{DatasourceID: in.DatasourceID, DatasourceName: datasourceName, Database: in.Database,
		Schema: in.Schema, Name: in.Name}, in.Comment, in.Columns)
	if err != nil {
		return es.Ref{}, err
	}
	existing := &domain.Table{}
	if err := c.aggs.Load(ctx, t.ID(), existing); err != nil {
		return es.Ref{}, err
	}
	if existing.Exists() {
		return es.Ref{}, fault.Conflict(fmt.Sprintf("the catalog already has %s.%s", in.Database, in.Name))
	}
	return c.aggs.Commit(ctx, t, meta)
}

// CategoryInput creates or edits a category.
type CategoryInput struct {
	Name        string `json:"name"`
	ParentID    string `json:"parent_id"`
	Description string `json:"description"`
}

func (c *Curator) checkParent(ctx context.Context, parentID string) ([]string, error) {
	if parentID == "" {
		return nil, nil
	}
	path, ok, err := c.lookups.CategoryPath(ctx, parentID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fault.Field("parent_id", "no such parent category")
	}
	return append([]string{parentID}, path...), nil
}

// CreateCategory adds a category.
func (c *Curator) CreateCategory(ctx context.Context, in CategoryInput, meta es.Metadata) (es.Ref, error) {
	if _, err := c.checkParent(ctx, in.ParentID); err != nil {
		return es.Ref{}, err
	}
	cat, err := domain.CreateCategory("category-"+uuid.NewString(), in.Name, in.ParentID, in.Description)
	if err != nil {
		return es.Ref{}, err
	}
	return c.aggs.Commit(ctx, cat, meta)
}

func (c *Curator) category(ctx context.Context, id string) (*domain.Category, error) {
	cat := &domain.Category{}
	if err := c.aggs.Load(ctx, id, cat); err != nil {
		return nil, err
	}
	if !cat.Exists() {
		return nil, fault.NotFound("category", id)
	}
	return cat, nil
}

// UpdateCategory renames or moves a category (never under itself).
func (c *Curator) UpdateCategory(ctx context.Context, id string, in CategoryInput, meta es.Metadata) (es.Ref, error) {
	cat, err := c.category(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	ancestors, err := c.checkParent(ctx, in.ParentID)
	if err != nil {
		return es.Ref{}, err
	}
	if err := cat.Update(in.Name, in.ParentID, in.Description, ancestors); err != nil {
		return es.Ref{}, err
	}
	return c.aggs.Commit(ctx, cat, meta)
}

// DeleteCategory removes a category without sub-categories.
func (c *Curator) DeleteCategory(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	cat, err := c.category(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	children, err := c.lookups.CategoryHasChildren(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if err := cat.Delete(children); err != nil {
		return es.Ref{}, err
	}
	return c.aggs.Commit(ctx, cat, meta)
}

// TagInput defines a tag.
type TagInput struct {
	Name        string `json:"name"`
	Color       string `json:"color"`
	Description string `json:"description"`
	Sensitive   bool   `json:"sensitive"`
}

var colorPattern = regexp.MustCompile(`^(#[0-9a-fA-F]{6}|)$`)

// TagStream is a tag's stream.
func TagStream(name string) string { return "tag-" + name }

// DefineTag creates or edits a tag.
func (c *Curator) DefineTag(ctx context.Context, in TagInput, meta es.Metadata) (es.Ref, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	var v fault.Collect
	v.Check(domain.ValidTag(in.Name), "name", "name must have 1-32 letters, digits, spaces, '_', '.', ':' or '-'")
	v.Check(colorPattern.MatchString(in.Color), "color", "color must look like #1f6feb")
	v.Check(len([]rune(in.Description)) <= 200, "description", "description must have at most 200 characters")
	if err := v.Err(); err != nil {
		return es.Ref{}, err
	}
	return c.recorder.Record(ctx, TagStream(in.Name), domain.StreamTag, domain.TagDefined(in), meta)
}

// DeleteTag removes a tag everywhere.
func (c *Curator) DeleteTag(ctx context.Context, name string, meta es.Metadata) (es.Ref, error) {
	ok, err := c.lookups.TagDefined(ctx, name)
	if err != nil {
		return es.Ref{}, err
	}
	if !ok {
		return es.Ref{}, fault.NotFound("tag", name)
	}
	return c.recorder.Record(ctx, TagStream(name), domain.StreamTag, domain.TagDeleted{Name: name}, meta)
}
