package platform

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/cloudflow-oss/cloudflow/shared/app"
	"github.com/cloudflow-oss/cloudflow/shared/telemetry"
)

// Program describes one function binary for Main.
type Program struct {
	// Name is the binary's name for flag messages, e.g. "startexecution".
	Name string
	// Operations are the CloudFlow Actions the binary serves; empty serves every operation, or
	// those CLOUDFLOW_OPERATIONS lists.
	Operations []string
	// DevServer adds the -addr and -data flags of functions/local, the all-in-one local server.
	DevServer bool
}

// Env is the outside world of a process as main sees it; main fills it from package os.
type Env struct {
	Args   []string            // command-line arguments after the program name
	Getenv func(string) string // os.Getenv
	Stdout io.Writer           // responses, JSON logs and the FC invoke lines
	Stderr io.Writer           // flag errors, start-up failures, logs during -event replays
}

// Version is the version -version prints; release builds set it with
// -ldflags "-X github.com/cloudflow-oss/cloudflow/shared/platform.Version=v1.2.3".
var Version = "dev"

// Main runs a function binary and returns its exit status: it parses the flags (-event, -version,
// plus the flags app.Vars gives a DevServer, such as -data), reads the configuration once with
// app.ConfigFromEnv (flags over environment), builds the App and either replays the -event file or
// serves on the detected host until SIGINT or SIGTERM, closing the App (and so releasing the bbolt
// file) before it returns. -h lists the flags and every environment variable of app.Vars.
//
// Exit status: 0 on success (and for -h and -version), 1 on a configuration, start-up or replay
// failure (a sample answered with a non-2xx status included), 2 on bad flags.
//
// An unset RUNNER is DefaultRunner's choice for the host. With no access keys the service logs a
// WARN line at start-up saying it accepts unsigned requests; API throttling is on by default on
// Lambda and FC and off locally.
func Main(ctx context.Context, p Program, env Env) int {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	event := fs.String("event", "", "replay the sample event `file` (see events/) and print the response")
	version := fs.Bool("version", false, "print the version and exit")
	var addr string
	flagVars := map[string]*string{} // variable name -> its flag's value
	if p.DevServer {
		fs.StringVar(&addr, "addr", DefaultLocalAddr, "loopback `address` to serve every operation on")
		for _, v := range app.Vars() {
			if v.Flag != "" {
				flagVars[v.Flag] = fs.String(v.Flag, "", fmt.Sprintf("`value` of %s (%s)", v.Name, strings.TrimSuffix(plain(v.Meaning), ".")))
			}
		}
	}
	fs.Usage = func() { usage(fs, p) }
	if err := fs.Parse(env.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(env.Stderr, "%s: unexpected arguments %q\n", p.Name, fs.Args())
		fs.Usage()
		return 2
	}
	if *version {
		_, _ = fmt.Fprintf(env.Stdout, "%s %s\n", p.Name, Version)
		return 0
	}
	overrides := map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		for _, v := range app.Vars() {
			if v.Flag == f.Name {
				overrides[v.Name] = *flagVars[f.Name]
			}
		}
	})

	cfg, err := app.ConfigFromEnv(env.Getenv, overrides)
	if err != nil {
		_, _ = fmt.Fprintf(env.Stderr, "%s: configuration: %v\n", p.Name, err)
		return 1
	}
	if len(p.Operations) > 0 {
		cfg.Operations = p.Operations
	}
	host := Detect(env.Getenv)
	if pct, ok := gcPercent(host, cfg, *event != ""); ok {
		debug.SetGCPercent(pct)
	}
	// Throttling defaults to on in the cloud runtimes and off on the local endpoint and in
	// -event replays (CLOUDFLOW_THROTTLE overrides either way).
	cfg.Cloud = host != Local && *event == ""
	if cfg.Runner == "" {
		cfg.Runner = DefaultRunner(host, cfg, *event != "")
	}

	// Traces and metrics as the OTEL_* variables ask (off when none is set), plus the
	// Prometheus reader of CLOUDFLOW_METRICS_ADDR on the local host.
	tel, err := telemetry.New(ctx, env.Getenv, telemetry.Options{ServiceVersion: Version, Prometheus: cfg.MetricsAddr != "" && host == Local && *event == ""})
	if err != nil {
		_, _ = fmt.Fprintf(env.Stderr, "%s: %v\n", p.Name, err)
		return 1
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		defer cancel()
		_ = tel.Shutdown(sctx)
	}()
	cfg.Telemetry = tel

	if *event != "" {
		// A replay prints JSON on stdout, so logs go to stderr, and it gets a fresh, temporary
		// store unless a data directory was asked for explicitly.
		quiet := cfg
		quiet.LogLevel = max(cfg.LogLevel, slog.LevelWarn)
		logger := quiet.NewLogger(env.Stderr)
		slog.SetDefault(logger)
		if cfg.Store == app.StoreBolt && !cfg.IsSet(app.EnvDataDir) {
			tmp, err := os.MkdirTemp("", "cloudflow-replay-*")
			if err != nil {
				_, _ = fmt.Fprintf(env.Stderr, "%s: %v\n", p.Name, err)
				return 1
			}
			defer func() { _ = os.RemoveAll(tmp) }()
			cfg.DataDir = tmp
		}
		if err := replayMain(ctx, cfg, *event, env); err != nil {
			_, _ = fmt.Fprintf(env.Stderr, "%s: replay %s: %v\n", p.Name, *event, err)
			return 1
		}
		return 0
	}

	logger := cfg.NewLogger(env.Stdout)
	slog.SetDefault(logger)
	cfg.Logger = logger
	opts := Options{Addr: addr, FCPort: cfg.FCPort, Logger: logger, Limits: cfg.Server}
	if tel.Tracing() || tel.Metering() {
		opts.Flush = tel.ForceFlush
	}
	if host == FC {
		opts.FC.Timeout = cfg.FunctionTimeout
		opts.FC.Log = env.Stdout
	}
	a, err := app.New(cfg)
	if err != nil {
		logger.Error("start", "err", err, "host", string(host))
		return 1
	}
	defer func() {
		if err := a.Close(); err != nil {
			logger.Error("close", "err", err)
			return
		}
		logger.Info("stopped")
	}()
	opts.OnSIGTERM = func() { _ = a.Close() }
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("start", "host", string(host), "operations", cfg.Operations, "store", cfg.Store, "runner", cfg.Runner,
		"traces", tel.Tracing(), "metrics", tel.Metering())
	if h := tel.MetricsHandler(); h != nil {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			logger.Error("metrics", "err", err)
			return 1
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", h)
		go func() { _ = serveListener(ctx, ln, mux, cfg.Server, logger, nil) }()
	} else if cfg.MetricsAddr != "" && host != Local {
		logger.Warn("metrics: "+app.EnvMetricsAddr+" is served by the local server only", "host", string(host))
	}
	if err := Serve(ctx, host, Service{API: a.Handler, OnEvent: a.OnEvent}, opts); err != nil {
		logger.Error("serve", "err", err)
		return 1
	}
	return 0
}

// gcPercent returns the garbage collector's target the program sets, if any: the local server
// with the memory store runs at app.MemoryGCPercent unless GOGC is set, since every record it
// keeps is in the Go heap.
func gcPercent(host Host, cfg app.Config, replay bool) (int, bool) {
	if host != Local || replay || cfg.Store != app.StoreMemory || cfg.IsSet(app.EnvGOGC) {
		return 0, false
	}
	return app.MemoryGCPercent, true
}

// usage prints the -h text: what the binary serves, its flags and the environment variables.
func usage(fs *flag.FlagSet, p Program) {
	w := fs.Output()
	what := "every CloudFlow operation"
	if len(p.Operations) > 0 {
		what = "the CloudFlow " + strings.Join(p.Operations, ", ") + " operation"
	}
	_, _ = fmt.Fprintf(w, "Usage of %s: serves %s on AWS Lambda, Function Compute or locally.\n\nFlags:\n", p.Name, what)
	fs.PrintDefaults()
	_, _ = fmt.Fprintf(w, "\nEnvironment:\n")
	for _, v := range app.Vars() {
		_, _ = fmt.Fprintf(w, "  %s\n    \t%s", v.Name, plain(v.Meaning))
		if v.Bounds != "" {
			_, _ = fmt.Fprintf(w, " Accepted: %s.", plain(v.Bounds))
		}
		if v.Default != "" {
			_, _ = fmt.Fprintf(w, " Default: %s.", plain(v.Default))
		}
		_, _ = fmt.Fprintln(w)
	}
}

// plain removes the Markdown code-span backquotes of the variable table's text.
func plain(s string) string { return strings.ReplaceAll(s, "`", "") }

// DefaultRunner picks the runner of Standard executions when RUNNER is unset: the asynchronous
// invoker of the host (app.RunnerLambda on Lambda, app.RunnerFC on Function Compute) when the store
// is shared between instances, and the in-process pool (app.RunnerLocal) locally, for -event
// replays and with an instance-local store (bbolt, memory), where no other instance could see the
// execution.
func DefaultRunner(host Host, cfg app.Config, replay bool) string {
	if replay || !cfg.Shared() {
		return app.RunnerLocal
	}
	switch host {
	case Lambda:
		return app.RunnerLambda
	case FC:
		return app.RunnerFC
	default:
		return app.RunnerLocal
	}
}

// replayMain builds an App for cfg and replays the file at path through it.
func replayMain(ctx context.Context, cfg app.Config, path string, env Env) (err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if data, err = ResolveSession(data, filepath.Dir(path)); err != nil {
		return err
	}
	a, err := app.New(cfg)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	return Replay(ctx, Service{API: a.Handler, OnEvent: a.OnEvent}, data, FCOptions{Log: env.Stderr}, env.Stdout)
}
