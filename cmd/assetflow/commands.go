package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	appaccess "assetflow/application/access"
	"assetflow/domain/eventsourcing"
	"assetflow/infrastructure/accounts"
	"assetflow/infrastructure/eventstore"
	"assetflow/projections/runner"
)

func migrate(ctx context.Context) error {
	c, err := openCore(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	fmt.Println("database is migrated")
	return nil
}

func replay(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: assetflow replay <projection>|--all")
	}
	c, err := openCore(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	run := runner.New(c.store, runner.NewHub(), projections()...)
	var todo []runner.Projection
	if args[0] == "--all" {
		todo = run.Projections()
	} else {
		p, ok := run.Find(args[0])
		if !ok {
			var names []string
			for _, p := range run.Projections() {
				names = append(names, p.Name())
			}
			return fmt.Errorf("unknown projection %q (have: %s)", args[0], strings.Join(names, ", "))
		}
		todo = []runner.Projection{p}
	}
	for _, p := range todo {
		start := time.Now()
		if err := run.Replay(ctx, p); err != nil {
			return fmt.Errorf("replay %s: %w", p.Name(), err)
		}
		fmt.Printf("replayed %s in %s\n", p.Name(), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func events(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: assetflow events tail|verify")
	}
	switch args[0] {
	case "tail":
		return tail(ctx, args[1:])
	case "verify":
		return verify(ctx)
	}
	return fmt.Errorf("unknown events command %q (tail, verify)", args[0])
}

func tail(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("events tail", flag.ContinueOnError)
	from := fs.Int64("from", 0, "print events after this global position")
	typ := fs.String("type", "", "event type pattern, shell-style (access.*)")
	stream := fs.String("stream", "", "only this stream id")
	follow := fs.Bool("follow", false, "keep printing new events")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *typ != "" {
		if _, err := path.Match(*typ, ""); err != nil {
			return fmt.Errorf("--type %q: %w", *typ, err)
		}
	}
	c, err := openCore(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	enc := json.NewEncoder(os.Stdout)
	var cur eventstore.Cursor
	for {
		evs, err := c.store.ReadAll(ctx, cur, 1000)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, e := range evs {
			cur = cur.Next(e)
			if e.Position <= *from {
				continue
			}
			if *stream != "" && e.StreamID != *stream {
				continue
			}
			if *typ != "" {
				if ok, _ := path.Match(*typ, e.Type); !ok {
					continue
				}
			}
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		if len(evs) == 1000 {
			continue
		}
		if !*follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func verify(ctx context.Context) error {
	c, err := openCore(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	rep, err := c.store.Verify(ctx)
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(b))
	if len(rep.Broken) > 0 {
		return fmt.Errorf("%d broken link(s) in the event log", len(rep.Broken))
	}
	return nil
}

func secretsCommand(ctx context.Context, args []string) error {
	if len(args) != 1 || args[0] != "rotate" {
		return errors.New("usage: assetflow secrets rotate   (with the new ASSETFLOW_SECRET_KEY and the old one as ASSETFLOW_SECRET_KEY_PREVIOUS)")
	}
	c, err := openCore(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	key, err := c.masterKey()
	if err != nil {
		return err
	}
	repo, err := c.datasourceRepository(key)
	if err != nil {
		return err
	}
	n, err := repo.RotateSecrets(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("re-sealed %d datasource credential(s) with the current key\n", n)
	return nil
}

func user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: assetflow user create|reset-password --username U --password P")
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	username := fs.String("username", "", "username")
	password := fs.String("password", "", "password (at least 8 characters)")
	roles := fs.String("roles", "viewer", "comma-separated roles: admin, developer, analyst, viewer")
	display := fs.String("display-name", "", "display name")
	email := fs.String("email", "", "email")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c, err := openCore(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	key, err := c.masterKey()
	if err != nil {
		return err
	}
	svc, facts := c.accessService(key)
	defer facts.Close()
	meta := eventsourcing.Metadata{ActorID: "cli", ActorName: "cli"}
	switch args[0] {
	case "create":
		ref, err := svc.CreateUser(ctx, appaccess.CreateUser{Username: *username, Password: *password, DisplayName: *display,
			Email: *email, Roles: strings.Split(*roles, ",")}, meta)
		if err != nil {
			return err
		}
		fmt.Printf("created user %s (%s)\n", *username, ref.StreamID)
	case "reset-password":
		id, err := accounts.Users{Repo: c.repo}.IDByUsername(ctx, *username)
		if err != nil {
			return err
		}
		if id == "" {
			return fmt.Errorf("no user named %q", *username)
		}
		if _, err := svc.ResetPassword(ctx, id, *password, meta); err != nil {
			return err
		}
		fmt.Printf("password of %s reset\n", *username)
	default:
		return fmt.Errorf("unknown user command %q (create, reset-password)", args[0])
	}
	return nil
}
