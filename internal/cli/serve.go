package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/client"
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
	addr := f.String("addr", orDefault(env.Getenv("REEF_ADDR"), "127.0.0.1:7420"), "listen address ($REEF_ADDR)")
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
	} else {
		// Without a host config the node is useful on its own: the
		// scripted model runs inside it, and an example claw uses it.
		cfg.Providers[builtinProvider] = config.Provider{Kind: config.KindBuiltin}
	}
	if *workers > 0 {
		cfg.Workers = *workers
	}
	n, err := node.Open(ctx, node.Options{DataDir: *data, DatabaseURL: *dbURL, Addr: *addr, Config: cfg, Log: log, Version: BuildVersion(), Out: env.Stdout})
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
	log.Info("reef serving", "url", n.URL(), "store", backend, "providers", len(cfg.Providers), "version", BuildVersion())
	if *cfgPath == "" {
		if err := ensureExample(ctx, n, *data); err != nil {
			log.Warn("example claw not created", "err", err)
		}
	}
	greet(env.Stdout, n.URL(), *data, *cfgPath == "")
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

// builtinProvider names the scripted model a node offers when started
// without a host config.
const builtinProvider = "builtin"

// exampleSpec is the claw a node started without a host config creates
// once: it uses the built-in scripted model, so every tool can be tried
// offline (docs/fake-model.md).
const exampleSpec = `name: example
model: builtin/script
instructions: You are reef's example claw. The built-in model follows the directives in each message (docs/fake-model.md).
tools: [echo, read_file, write_file, list_files, memory_write, memory_search, schedule, shell]
`

// exampleMarker is the file, under the data directory, that records that
// the example claw was created: deleted, it is not created again.
const exampleMarker = "example-claw.created"

// ensureExample creates the example claw through the node's API on the
// node's first start without a host config.
func ensureExample(ctx context.Context, n *node.Node, data string) error {
	marker := filepath.Join(data, exampleMarker)
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	tok := n.AdminToken
	if tok == "" {
		b, err := os.ReadFile(node.TokenFile(data))
		if err != nil {
			return fmt.Errorf("read admin token: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	}
	if _, err := client.New(n.URL(), tok).Apply(ctx, []byte(exampleSpec)); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	return os.WriteFile(marker, nil, 0o600)
}

// greet tells the person who started the node where it is and what to
// type next.
func greet(w io.Writer, url, data string, builtin bool) {
	fmt.Fprintf(w, "reef is serving at %s (data in %s, admin token in %s).\n", url, data, node.TokenFile(data))
	if builtin {
		fmt.Fprintf(w, "No --config: the built-in scripted model is provider %q (docs/fake-model.md), used by the claw \"example\".\n", builtinProvider)
		fmt.Fprintln(w, `Next: reef send example "hello" --wait   (reef: go build -o reef ./cmd/reef)`)
		return
	}
	fmt.Fprintln(w, `Next: reef apply -f CLAW.yaml, then reef send NAME "hello" --wait`)
}
