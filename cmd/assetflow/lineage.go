package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"assetflow/infrastructure/sqlparse"
)

// maxScript bounds what `lineage parse` reads from stdin.
const maxScript = 64 << 20

// errReported is returned after the command already printed its answer, so main only sets the
// exit status.
var errReported = errors.New("")

func lineageCommand(args []string, in io.Reader, out io.Writer) error {
	if len(args) == 0 || args[0] != "parse" {
		return errors.New("usage: assetflow lineage parse --dialect D [--default-schema S] < script.sql")
	}
	fs := flag.NewFlagSet("lineage parse", flag.ContinueOnError)
	dialect := fs.String("dialect", "", "SQL dialect of the script")
	schema := fs.String("default-schema", "", "schema for unqualified table names")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	text, err := io.ReadAll(io.LimitReader(in, maxScript+1))
	if err != nil {
		return fmt.Errorf("read the script from stdin: %w", err)
	}
	if len(text) > maxScript {
		return fmt.Errorf("the script is larger than %d MB", maxScript>>20)
	}
	res, err := sqlparse.Lineage(sqlparse.LineageOptions{Dialect: *dialect, DefaultSchema: *schema}, string(text))
	if err != nil && !errors.Is(err, sqlparse.ErrUnparsable) {
		return err
	}
	enc := json.NewEncoder(out)
	if encErr := enc.Encode(res); encErr != nil {
		return encErr
	}
	if err != nil {
		return errReported
	}
	return nil
}
