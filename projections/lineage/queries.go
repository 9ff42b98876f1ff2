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
type Queries struct {
	Pool *pgxpool.Pool
	// Catalog, when set, maps table node names to catalog table ids; nodes it does not know are
	// answered as unresolved (kept, with no catalog entry).
	Catalog func(ctx context.Context, tables []string) (map[string]string, error)
}

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
	// CatalogTableID is the node's table in the catalog; empty for an unresolved node.
	CatalogTableID string `json:"catalog_table_id"`
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

// Graph walks the active edges from the node: each direction is one recursive query bounded by
// the depth (a node reached again at the same depth is not walked twice, so cycles end), then one
// query reads the edges among the nodes reached, with their origins.
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
	for _, down := range []bool{false, true} {
		if (down && gq.Direction == "up") || (!down && gq.Direction == "down") {
			continue
		}
		reached, err := q.walk(ctx, gq, start, down)
		if err != nil {
			return Graph{}, err
		}
		for _, r := range reached {
			if _, ok := depth[r.ID]; ok {
				continue
			}
			if len(depth) >= gq.MaxNodes {
				g.Truncated = true
				break
			}
			depth[r.ID] = r.Depth
		}
	}
	ids := make([]string, 0, len(depth))
	for id, d := range depth {
		ids = append(ids, id)
		n := Node{ID: id, Table: TableOf(gq.Level, id), Depth: d}
		if gq.Level == domain.LevelColumn {
			n.Column = strings.TrimPrefix(id, n.Table+".")
		}
		g.Nodes = append(g.Nodes, n)
	}
	if g.Edges, err = q.edgesAmong(ctx, gq.Level, ids); err != nil {
		return Graph{}, err
	}
	if q.Catalog != nil {
		tables := make([]string, 0, len(g.Nodes))
		for _, n := range g.Nodes {
			tables = append(tables, n.Table)
		}
		known, err := q.Catalog(ctx, tables)
		if err != nil {
			return Graph{}, err
		}
		for i := range g.Nodes {
			g.Nodes[i].CatalogTableID = known[g.Nodes[i].Table]
		}
	}
	sort.Slice(g.Nodes, func(i, j int) bool {
		if g.Nodes[i].Depth != g.Nodes[j].Depth {
			return g.Nodes[i].Depth < g.Nodes[j].Depth
		}
		return g.Nodes[i].ID < g.Nodes[j].ID
	})
	return g, nil
}

// walk returns the nodes reached from start within the depth, nearest first; depths upstream are
// negative.
func (q Queries) walk(ctx context.Context, gq GraphQuery, start []string, down bool) ([]Node, error) {
	near, far, sign := "dst", "src", -1
	if down {
		near, far, sign = "src", "dst", 1
	}
	rows, err := q.Pool.Query(ctx, `with recursive walk(node, depth) as (
			select unnest($2::text[]), 0
			union
			select e.`+far+`, w.depth + 1 from walk w join lineage_edges e on e.active and e.level = $1 and e.`+near+` = w.node
			where w.depth < $3)
		select node, min(depth) d from walk where depth > 0 group by node order by d, node limit $4`,
		gq.Level, start, gq.Depth, gq.MaxNodes+1)
	if err != nil {
		return nil, fmt.Errorf("lineage walk: %w", err)
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		var n Node
		if err := rows.Scan(&n.ID, &n.Depth); err != nil {
			return nil, err
		}
		n.Depth *= sign
		out = append(out, n)
	}
	return out, rows.Err()
}

// edgesAmong reads the active edges between the given nodes with the origins asserting them.
func (q Queries) edgesAmong(ctx context.Context, level string, nodes []string) ([]Edge, error) {
	rows, err := q.Pool.Query(ctx, `select src, dst, kind, array_agg(distinct origin_kind || ':' || origin order by origin_kind || ':' || origin)
		from lineage_edges where active and level = $1 and src = any($2) and dst = any($2)
		group by src, dst, kind order by src, dst, kind`, level, nodes)
	if err != nil {
		return nil, fmt.Errorf("lineage edges: %w", err)
	}
	defer rows.Close()
	out := []Edge{}
	for rows.Next() {
		var e Edge
		if err := rows.Scan(&e.From, &e.To, &e.Kind, &e.Origins); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
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
