package catalog

import (
	"strings"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Category is a node of the classification tree (资产分类). Rules: a name of 1-64 characters; a
// category cannot be its own ancestor (checked with the tree by the caller); a category with
// children cannot be deleted.
type Category struct {
	eventsourcing.Root
	Name     string
	ParentID string
	Deleted  bool
	known    bool
}

func (*Category) StreamType() string { return StreamCategory }

// Exists reports whether the category was created and not deleted.
func (c *Category) Exists() bool { return c.known && !c.Deleted }

func checkCategory(name, description string) error {
	var v fault.Collect
	v.Check(name != "" && len([]rune(name)) <= 64, "name", "name must have 1-64 characters")
	v.Check(len([]rune(description)) <= 500, "description", "description must have at most 500 characters")
	return v.Err()
}

// CreateCategory records a new category.
func CreateCategory(id, name, parentID, description string) (*Category, error) {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	if err := checkCategory(name, description); err != nil {
		return nil, err
	}
	c := &Category{}
	c.SetID(id)
	eventsourcing.Record(c, CategoryCreated{CategoryID: id, Name: name, ParentID: parentID, Description: description})
	return c, nil
}

// Update renames or moves the category; ancestors lists the new parent's ancestors (parent first).
func (c *Category) Update(name, parentID, description string, ancestors []string) error {
	if !c.Exists() {
		return fault.NotFound("category", c.ID())
	}
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	if err := checkCategory(name, description); err != nil {
		return err
	}
	if parentID == c.ID() {
		return fault.Field("parent_id", "a category cannot be its own parent")
	}
	for _, a := range ancestors {
		if a == c.ID() {
			return fault.Field("parent_id", "a category cannot move under its own descendant")
		}
	}
	eventsourcing.Record(c, CategoryUpdated{CategoryID: c.ID(), Name: name, ParentID: parentID, Description: description})
	return nil
}

// Delete removes a category without children.
func (c *Category) Delete(hasChildren bool) error {
	if !c.Exists() {
		return fault.NotFound("category", c.ID())
	}
	if hasChildren {
		return fault.Conflict("the category has sub-categories; move or delete them first")
	}
	eventsourcing.Record(c, CategoryDeleted{CategoryID: c.ID()})
	return nil
}

// Transition applies an event.
func (c *Category) Transition(e eventsourcing.Event) {
	switch e := e.(type) {
	case CategoryCreated:
		c.known, c.Name, c.ParentID = true, e.Name, e.ParentID
	case CategoryUpdated:
		c.Name, c.ParentID = e.Name, e.ParentID
	case CategoryDeleted:
		c.Deleted = true
	}
}
