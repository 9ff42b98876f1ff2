// Command assetflow is the AssetFlow platform: `serve` runs it; the other commands migrate the
// database, rebuild read models, read and verify the event log, and manage users.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `assetflow: data-asset management platform

Usage:
  assetflow serve                          run the platform (HTTP API, console, relay, projections)
  assetflow migrate                        create/upgrade the database schema
  assetflow replay <projection>|--all      rebuild read models from the event store
  assetflow events tail [--from N] [--type PATTERN] [--stream ID] [--follow]
                                           print events as JSON lines
  assetflow events verify                  check every stream's hash chain (exit 1 when broken)
  assetflow user create --username U --password P [--roles admin,developer] [--display-name D]
  assetflow user reset-password --username U --password P
  assetflow secrets rotate                 re-seal datasource credentials with the current key
  assetflow lineage parse --dialect D [--default-schema S]
                                           SQL on stdin; its table and column lineage as JSON
  assetflow version

Configuration is read from the environment (ASSETFLOW_DATABASE_URL, ASSETFLOW_HTTP_ADDR,
ASSETFLOW_KAFKA_BROKERS, ASSETFLOW_EMBEDDED_KAFKA_ADDR, ASSETFLOW_DATA_DIR, ASSETFLOW_ADMIN_PASSWORD,
ASSETFLOW_SECRET_KEY, ...); see the README.
`

var version = "dev"

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if err != errReported {
			fmt.Fprintln(os.Stderr, "assetflow:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Print(usage)
		return nil
	}
	switch args[0] {
	case "serve":
		return serve(ctx)
	case "migrate":
		return migrate(ctx)
	case "replay":
		return replay(ctx, args[1:])
	case "events":
		return events(ctx, args[1:])
	case "user":
		return user(ctx, args[1:])
	case "secrets":
		return secretsCommand(ctx, args[1:])
	case "lineage":
		return lineageCommand(args[1:], os.Stdin, os.Stdout)
	case "version":
		fmt.Println(version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}
