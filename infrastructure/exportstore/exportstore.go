// Package exportstore keeps the files of background exports in PostgreSQL, so any replica can
// serve a download whichever replica wrote it.
package exportstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/domain/fault"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration creates export_chunks.
func Migration() postgres.Migration { return postgres.Embedded("exportstore", migrationFiles) }

// ChunkSize is the size of one stored chunk.
const ChunkSize = 1 << 20

// Store implements the console's ExportFiles port.
type Store struct{ Pool *pgxpool.Pool }

// Create returns a writer storing a new export's bytes.
func (s Store) Create(ctx context.Context, exportID string) io.WriteCloser {
	return &writer{ctx: ctx, pool: s.Pool, id: exportID, buf: make([]byte, 0, ChunkSize)}
}

type writer struct {
	ctx  context.Context
	pool *pgxpool.Pool
	id   string
	seq  int
	buf  []byte
}

func (w *writer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := ChunkSize - len(w.buf)
		take := min(room, len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == ChunkSize {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *writer) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.pool.Exec(w.ctx, `insert into export_chunks (export_id, seq, data) values ($1, $2, $3)`, w.id, w.seq, w.buf); err != nil {
		return fmt.Errorf("store export chunk: %w", err)
	}
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

func (w *writer) Close() error { return w.flush() }

// Open streams a stored export.
func (s Store) Open(ctx context.Context, exportID string) (io.ReadCloser, error) {
	var n int
	if err := s.Pool.QueryRow(ctx, `select count(*) from export_chunks where export_id = $1`, exportID).Scan(&n); err != nil {
		return nil, fmt.Errorf("open export: %w", err)
	}
	if n == 0 {
		return nil, fault.NotFound("export file", exportID)
	}
	return &reader{ctx: ctx, pool: s.Pool, id: exportID, chunks: n}, nil
}

type reader struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	id     string
	seq    int
	chunks int
	buf    []byte
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.seq >= r.chunks {
			return 0, io.EOF
		}
		if err := r.pool.QueryRow(r.ctx, `select data from export_chunks where export_id = $1 and seq = $2`, r.id, r.seq).Scan(&r.buf); err != nil {
			return 0, fmt.Errorf("read export chunk %d: %w", r.seq, err)
		}
		r.seq++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *reader) Close() error { return nil }

// Delete removes a stored export.
func (s Store) Delete(ctx context.Context, exportID string) error {
	_, err := s.Pool.Exec(ctx, `delete from export_chunks where export_id = $1`, exportID)
	return errors.Join(err)
}
