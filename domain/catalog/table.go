package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

var tableNamespace = uuid.MustParse("6f1c0a2e-8d0b-4f7e-9a57-2c5a1b7e3d10")

// TableID is the stream id of a table: derived from where it lives, so every collection of the
// same table lands on the same stream and two collectors cannot create it twice.
func TableID(s Source) string {
	key := strings.Join([]string{s.DatasourceID, s.Database, s.Schema, s.Name}, "\x00")
	return "table-" + uuid.NewSHA1(tableNamespace, []byte(key)).String()
}

// Diff compares column lists by name: added, removed, and changed (type, comment, key, nullability,
// default or position).
func Diff(before, after []Column) (added, removed []Column, changed []ColumnChange) {
	old := map[string]Column{}
	for _, c := range before {
		old[c.Name] = c
	}
	seen := map[string]bool{}
	for _, c := range after {
		seen[c.Name] = true
		b, ok := old[c.Name]
		switch {
		case !ok:
			added = append(added, c)
		case !sameColumn(b, c):
			changed = append(changed, ColumnChange{Name: c.Name, Before: b, After: c})
		}
	}
	for _, c := range before {
		if !seen[c.Name] {
			removed = append(removed, c)
		}
	}
	return added, removed, changed
}

func sameColumn(a, b Column) bool {
	return a.Type == b.Type && a.Comment == b.Comment && a.PrimaryKey == b.PrimaryKey && a.Nullable == b.Nullable &&
		a.Order == b.Order && ((a.Default == nil) == (b.Default == nil)) && (a.Default == nil || *a.Default == *b.Default)
}

// Table is a catalog entry as users curate it. Rules: descriptions have at most 2,000 characters
// and owners 128; tags are 1-32 characters and at most 20 per table or column; a column must exist
// to be tagged or classified; a deleted entry takes no edits until restored.
type Table struct {
	eventsourcing.Root
	Columns []string
	Deleted bool
	known   bool
}

func (*Table) StreamType() string { return StreamTable }

// Exists reports whether the table was collected or registered.
func (t *Table) Exists() bool { return t.known }

var tagPattern = regexp.MustCompile(`^[\p{L}\p{N}_.:\- ]{1,32}$`)

// ValidTag checks a tag name.
func ValidTag(name string) bool { return tagPattern.MatchString(name) }

func (t *Table) editable() error {
	if !t.known {
		return fault.NotFound("catalog table", t.ID())
	}
	if t.Deleted {
		return fault.Conflict("the table was deleted from the catalog; restore it first")
	}
	return nil
}

// Describe sets description and owner.
func (t *Table) Describe(description, owner string) error {
	if err := t.editable(); err != nil {
		return err
	}
	var c fault.Collect
	description, owner = strings.TrimSpace(description), strings.TrimSpace(owner)
	c.Check(len([]rune(description)) <= 2000, "description", "description must have at most 2,000 characters")
	c.Check(len([]rune(owner)) <= 128, "owner", "owner must have at most 128 characters")
	if err := c.Err(); err != nil {
		return err
	}
	eventsourcing.Record(t, TableDescribed{TableID: t.ID(), Description: description, Owner: owner})
	return nil
}

func cleanTags(tags []string, known func(string) bool) ([]string, error) {
	var c fault.Collect
	out := []string{}
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		switch {
		case !ValidTag(tag):
			c.Add("tags", fmt.Sprintf("tag %q must have 1-32 letters, digits, spaces, '_', '.', ':' or '-'", tag))
		case known != nil && !known(tag):
			c.Add("tags", fmt.Sprintf("tag %q is not defined; create it under 标签 first", tag))
		case !slices.Contains(out, tag):
			out = append(out, tag)
		}
	}
	c.Check(len(out) <= 20, "tags", "at most 20 tags")
	return out, c.Err()
}

// Tag sets the table's tags; known says whether a tag is defined.
func (t *Table) Tag(tags []string, known func(string) bool) error {
	if err := t.editable(); err != nil {
		return err
	}
	clean, err := cleanTags(tags, known)
	if err != nil {
		return err
	}
	eventsourcing.Record(t, TableTagged{TableID: t.ID(), Tags: clean})
	return nil
}

// TagColumn sets a column's tags.
func (t *Table) TagColumn(column string, tags []string, known func(string) bool) error {
	if err := t.editable(); err != nil {
		return err
	}
	if !slices.Contains(t.Columns, column) {
		return fault.NotFound("column", column)
	}
	clean, err := cleanTags(tags, known)
	if err != nil {
		return err
	}
	eventsourcing.Record(t, ColumnTagged{TableID: t.ID(), Column: column, Tags: clean})
	return nil
}

// Classify puts the table (or one of its columns, when column is set) in a category; "" clears it.
func (t *Table) Classify(column, categoryID string) error {
	if err := t.editable(); err != nil {
		return err
	}
	if column == "" {
		eventsourcing.Record(t, TableClassified{TableID: t.ID(), CategoryID: categoryID})
		return nil
	}
	if !slices.Contains(t.Columns, column) {
		return fault.NotFound("column", column)
	}
	eventsourcing.Record(t, ColumnClassified{TableID: t.ID(), Column: column, CategoryID: categoryID})
	return nil
}

// Delete removes the entry from the catalog (restorable).
func (t *Table) Delete() error {
	if err := t.editable(); err != nil {
		return err
	}
	eventsourcing.Record(t, TableDeleted{TableID: t.ID()})
	return nil
}

// Restore brings a deleted entry back.
func (t *Table) Restore() error {
	if !t.known {
		return fault.NotFound("catalog table", t.ID())
	}
	if t.Deleted {
		eventsourcing.Record(t, TableRestored{TableID: t.ID()})
	}
	return nil
}

// RegisterTable enters a table by hand.
func RegisterTable(src Source, comment string, columns []Column) (*Table, error) {
	var c fault.Collect
	src.Name, src.Database = strings.TrimSpace(src.Name), strings.TrimSpace(src.Database)
	c.Check(src.Name != "" && len([]rune(src.Name)) <= 128, "name", "name must have 1-128 characters")
	c.Check(len([]rune(src.Database)) <= 128, "database", "database must have at most 128 characters")
	names := map[string]bool{}
	for i := range columns {
		col := &columns[i]
		col.Name = strings.TrimSpace(col.Name)
		c.Check(col.Name != "", "columns", "every column needs a name")
		c.Check(!names[col.Name], "columns", fmt.Sprintf("column %q appears twice", col.Name))
		names[col.Name] = true
		col.Order = i + 1
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if src.DatasourceID == "" {
		src.DatasourceID = "manual"
	}
	t := &Table{}
	t.SetID(TableID(src))
	eventsourcing.Record(t, TableRegistered{TableID: t.ID(), Source: src, Comment: comment, Columns: columns})
	return t, nil
}

// Transition applies an event.
func (t *Table) Transition(e eventsourcing.Event) {
	names := func(cols []Column) []string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = c.Name
		}
		return out
	}
	switch e := e.(type) {
	case TableCollected:
		t.known, t.Columns = true, names(e.Columns)
	case TableRegistered:
		t.known, t.Columns = true, names(e.Columns)
	case ColumnsChanged:
		t.Columns = names(e.Columns)
	case TableDeleted:
		t.Deleted = true
	case TableRestored:
		t.Deleted = false
	}
}
