// Package page is the one pagination shape: a request for page N of size S, and a result holding
// that page's items and the total.
package page

import "assetflow/domain/fault"

// Size bounds.
const (
	DefaultSize = 20
	MaxSize     = 500
)

// Request asks for page Number (from 1) with Size items.
type Request struct {
	Number int
	Size   int
}

// New validates a page request; zero values take the defaults.
func New(number, size int) (Request, error) {
	if number == 0 {
		number = 1
	}
	if size == 0 {
		size = DefaultSize
	}
	var c fault.Collect
	c.Check(number >= 1, "page", "page must be 1 or more")
	c.Check(size >= 1 && size <= MaxSize, "page_size", "page_size must be between 1 and 500")
	return Request{Number: number, Size: size}, c.Err()
}

// Offset is the number of items before the page.
func (r Request) Offset() int { return (r.Number - 1) * r.Size }

// Limit is the page size.
func (r Request) Limit() int { return r.Size }

// Result is one page of items and the total across pages. Capped says the total stopped counting
// at a limit (searches matching very many rows); more pages may exist past it.
type Result[T any] struct {
	Items  []T
	Total  int64
	Capped bool
}
