package lineage

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/domain/fault"
	domain "assetflow/domain/lineage"
)

// Queries reads the lineage graph.
type Queries struct{ Pool *pgxpool.Pool }

// GraphQuery asks for the neighbourhood of a node.
type GraphQuery struct {
	Node      string
	Direction string // up, down, both
	Depth     int    // hops, 1..MaxDepth
	Level     string // table, column
	MaxNodes  int    // answer at most this many nodes (the rest is marked truncated)
}

// MaxDepth bounds a graph query's hops.
const MaxDepth = 10

// Node is a node of a graph answer. Depth is hops from the asked node, negative upstream.
type Node struct {
	ID     string `json:"id"`
	Table  string `json:"table"`
	Column string `json:"column,omitempty"`
	Depth  int    `json:"depth"`
}

// Edge is an edge of a graph answer with the origins asserting it.
type Edge struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Kind    string   `json:"kind"`
	Origins []string `json:"origins"`
}

// Graph is the answer: nodes and edges reached within the asked hops.
type Graph struct {
	Node      string `json:"node"`
	Level     string `json:"level"`
	Nodes     []Node `json:"nodes"`
	Edges     []Edge `json:"edges"`
	Truncated bool   `json:"truncated"`
}

// Normalize checks a query and fills defaults.
func (g *GraphQuery) Normalize() error {
	g.Node = strings.TrimSpace(g.Node)
	if g.Node == "" {
		return fault.Field("node", "required: <datasource>.<db>.<table>[.<column>]")
	}
	if g.Direction == "" {
		g.Direction = "both"
	}
	if g.Direction != "up" && g.Direction != "down" && g.Direction != "both" {
		return fault.Field("direction", "one of up, down, both")
	}
	if g.Depth == 0 {
		g.Depth = 3
	}
	if g.Depth < 1 || g.Depth > MaxDepth {
		return fault.Field("depth", fmt.Sprintf("between 1 and %d", MaxDepth))
	}
	if g.Level == "" {
		g.Level = domain.LevelTable
	}
	if g.Level != domain.LevelTable && g.Level != domain.LevelColumn {
		return fault.Field("level", "table or column")
	}
	if g.MaxNodes <= 0 {
		g.MaxNodes = 2000
	}
	return nil
}

// Graph walks the active edges hop by hop from the node, each hop one indexed query over the
// frontier; a node already reached is not expanded again, so cycles end.
func (q Queries) Graph(ctx context.Context, gq GraphQuery) (Graph, error) {
	if err := gq.Normalize(); err != nil {
		return Graph{}, err
	}
	start, err := q.start(ctx, gq)
	if err != nil {
		return Graph{}, err
	}
	g := Graph{Node: gq.Node, Level: gq.Level, Nodes: []Node{}, Edges: []Edge{}}
	depth := map[string]int{}
	for _, s := range start {
		depth[s] = 0
	}
	edges := map[[3]string]*Edge{}
	for _, down := range []bool{false, true} {
		if (down && gq.Direction == "up") || (!down && gq.Direction == "down") {
			continue
		}
		frontier := start
		seen := map[string]bool{}
		for _, s := range start {
			seen[s] = true
		}
		for hop := 1; hop <= gq.Depth && len(frontier) > 0 && !g.Truncated; hop++ {
			rows, err := q.hop(ctx, gq.Level, frontier, down)
			if err != nil {
				return Graph{}, err
			}
			var next []string
			for _, e := range rows {
				key := [3]string{e.From, e.To, e.Kind}
				if edges[key] == nil {
					edges[key] = &e
				}
				far := e.From
				if down {
					far = e.To
				}
				if seen[far] {
					continue
				}
				if len(depth) >= gq.MaxNodes {
					g.Truncated = true
					break
				}
				seen[far] = true
				d := hop
				if !down {
					d = -hop
				}
				if _, ok := depth[far]; !ok {
					depth[far] = d
				}
				next = append(next, far)
			}
			frontier = next
		}
	}
	for id, d := range depth {
		n := Node{ID: id, Table: TableOf(gq.Level, id), Depth: d}
		if gq.Level == domain.LevelColumn {
			n.Column = strings.TrimPrefix(id, n.Table+".")
		}
		g.Nodes = append(g.Nodes, n)
	}
	for _, e := range edges {
		// Keep only edges whose both ends are in the answer (a truncated walk drops the rest).
		if _, ok := depth[e.From]; !ok {
			continue
		}
		if _, ok := depth[e.To]; !ok {
			continue
		}
		g.Edges = append(g.Edges, *e)
	}
	sort.Slice(g.Nodes, func(i, j int) bool {
		if g.Nodes[i].Depth != g.Nodes[j].Depth {
			return g.Nodes[i].Depth < g.Nodes[j].Depth
		}
		return g.Nodes[i].ID < g.Nodes[j].ID
	})
	sort.Slice(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Kind < b.Kind
	})
	return g, nil
}

// start is where a walk begins: the node itself, or at column level for a table node, every
// column of that table that has an edge.
func (q Queries) start(ctx context.Context, gq GraphQuery) ([]string, error) {
	if gq.Level == domain.LevelTable {
		return []string{gq.Node}, nil
	}
	var isColumn bool
	if err := q.Pool.QueryRow(ctx, `select exists (select 1 from lineage_edges where active and level = 'column' and src = $1)
		or exists (select 1 from lineage_edges where active and level = 'column' and dst = $1)`, gq.Node).Scan(&isColumn); err != nil {
		return nil, fmt.Errorf("lineage start node: %w", err)
	}
	if isColumn {
		return []string{gq.Node}, nil
	}
	rows, err := q.Pool.Query(ctx, `select src from lineage_edges where active and level = 'column' and src_table = $1
		union select dst from lineage_edges where active and level = 'column' and dst_table = $1 order by 1`, gq.Node)
	if err != nil {
		return nil, fmt.Errorf("lineage columns of %s: %w", gq.Node, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		out = []string{gq.Node}
	}
	return out, rows.Err()
}

// hop reads the active edges leaving (down) or entering (up) the frontier.
func (q Queries) hop(ctx context.Context, level string, frontier []string, down bool) ([]Edge, error) {
	near := "dst"
	if down {
		near = "src"
	}
	rows, err := q.Pool.Query(ctx, `select src, dst, kind, array_agg(distinct origin_kind || ':' || origin order by origin_kind || ':' || origin)
		from lineage_edges where active and level = $1 and `+near+` = any($2) group by src, dst, kind`, level, frontier)
	if err != nil {
		return nil, fmt.Errorf("lineage hop: %w", err)
	}
	defer rows.Close()
	var out []Edge
	for rows.Next() {
		var e Edge
		if err := rows.Scan(&e.From, &e.To, &e.Kind, &e.Origins); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
