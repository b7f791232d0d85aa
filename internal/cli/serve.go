package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/reefhq/reef/internal/config"
	"github.com/reefhq/reef/internal/llm/llmtest"
	"github.com/reefhq/reef/internal/llm/script"
	"github.com/reefhq/reef/internal/node"
	"github.com/reefhq/reef/internal/sandbox"
)

func serve(ctx context.Context, env Env, args []string) error {
	// Whatever the node's parent leaked to it (descriptors without
	// close-on-exec) must not reach the tools it starts.
	if err := sandbox.CloseOnExecInherited(); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	f := newFlags(env, "serve")
	data := f.String("data", orDefault(env.Getenv("REEF_DATA"), "reef-data"), "data directory: SQLite database and admin.token ($REEF_DATA)")
	addr := f.String("addr", "127.0.0.1:7420", "listen address")
	cfgPath := f.String("config", "", "host config file (providers, workers)")
	dbURL := f.String("database-url", env.Getenv("REEF_DATABASE_URL"), "postgres:// URL to use PostgreSQL instead of SQLite ($REEF_DATABASE_URL)")
	workers := f.Int("workers", 0, "concurrent runs on this node (default: config's workers, else 64)")
	logLevel := f.String("log-level", "info", "debug, info, warn or error")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	cfg := config.Default()
	if *cfgPath != "" {
		var err error
		if cfg, err = config.Load(*cfgPath); err != nil {
			return err
		}
	}
	if *workers > 0 {
		cfg.Workers = *workers
	}
	n, err := node.Open(ctx, node.Options{DataDir: *data, DatabaseURL: *dbURL, Addr: *addr, Config: cfg, Log: log, Version: Version, Out: env.Stdout})
	if err != nil {
		return err
	}
	if err := n.Start(ctx); err != nil {
		n.Store.Close()
		return err
	}
	backend := "sqlite " + *data
	if *dbURL != "" {
		backend = "postgres"
	}
	log.Info("reef serving", "url", n.URL(), "store", backend, "providers", len(cfg.Providers), "version", Version)
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-n.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Stop(sctx); err != nil {
		return err
	}
	return serveErr
}

func orDefault(v, d string) string {
	if v != "" {
		return v
	}
	return d
}

func fakeModel(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "fake-model")
	addr := f.String("addr", "127.0.0.1:7431", "listen address")
	scriptPath := f.String("script", "", "YAML or JSON file of canned replies, tried before the message's directives (docs/fake-model.md)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	engine := script.New()
	if *scriptPath != "" {
		var err error
		if engine, err = script.LoadFile(*scriptPath); err != nil {
			return err
		}
	}
	srv := llmtest.New(llmtest.Scripted(engine))
	if err := srv.Start(*addr); err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(env.Stdout, "fake model serving on %s: OpenAI at %s/v1, Anthropic at %s\n", srv.URL(), srv.URL(), srv.URL())
	fmt.Fprintf(env.Stdout, "it echoes your message, or follows directives such as \"/tool NAME {json}\", \"/say TEXT\", \"/stream 50ms\" (see docs/fake-model.md)\n")
	<-ctx.Done()
	return nil
}
