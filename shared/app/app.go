package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/console"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/telemetry"
	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

// store is what the app needs from a kv store: the service's methods and
// Close.
type store interface {
	execution.Store
	Close() error
}

// App is the assembled service.
type App struct {
	// Handler serves the CloudFlow API (RPC style, path /) and, when
	// Config.ServesConsole, the web console under /console/.
	Handler http.Handler
	// OnEvent handles one asynchronous event: {"op":"run",…} advances one
	// execution, {"op":"sweep"} recovers pending ones (see the package
	// documentation); anything else is an error.
	OnEvent func(ctx context.Context, event []byte) error

	store   store
	service *execution.Service
	margin  time.Duration
	logger  *slog.Logger
	now     func() time.Time // Config.Now

	stopSchedules context.CancelFunc // ends the local scheduler; nil in the cloud
	schedulesDone chan struct{}      // closed when the local scheduler has returned
}

// OpenWarning is the start-up warning New logs (at WARN) when no access keys
// are configured.
const OpenWarning = "SECURITY WARNING: no access keys configured (" + EnvAccessKeys + " is empty): " +
	"the API accepts UNSIGNED requests from anyone who can reach it, all acting as one default account. " +
	"Set " + EnvAccessKeys + "=id:secret[@account][,...] before exposing this endpoint."

// New validates cfg, applies defaults, opens the store, starts the
// Standard runner and recovers the executions a previous process left
// Starting or Running. The API verifies signatures with cfg.AccessKeys, or
// the keys read from the secret cfg.AccessKeysSecret names (or,
// with none, accepts unsigned requests and logs OpenWarning) and, when
// cfg.Throttled(), enforces cfg.Limits per account and operation. An
// unknown Operations entry is an error.
func New(cfg Config) (*App, error) {
	return newApp(cfg, execution.Options{}, api.Options{})
}

// newApp is New with extra service and handler options (tests inject
// clocks, engines and hooks here).
func newApp(cfg Config, sopts execution.Options, hopts api.Options) (*App, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	known := map[string]bool{}
	for _, a := range api.Actions() {
		known[a] = true
	}
	for _, op := range cfg.Operations {
		if !known[op] {
			return nil, fmt.Errorf("operation %q is not implemented", op)
		}
	}
	if sopts.Logger == nil {
		sopts.Logger = cfg.Logger
	}
	if hopts.Logger == nil {
		hopts.Logger = cfg.Logger
	}
	if sopts.Retention == 0 {
		sopts.Retention = cfg.Retention
	}
	if sopts.LeaseDuration == 0 {
		sopts.LeaseDuration = cfg.LeaseDuration
	}
	if sopts.MaxFinished == 0 && cfg.Store == StoreMemory {
		// The memory store is this process's own: what it finished is
		// all there is, and memory is the limit.
		sopts.MaxFinished = cfg.MemoryKeep
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cfg, err := loadAccessKeys(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st = cfg.Telemetry.MeasureStore(st).(store)
	useTelemetry(cfg.Telemetry, &sopts, &hopts)
	if sopts.Enqueuer == nil {
		if sopts.Enqueuer, err = newEnqueuer(ctx, cfg); err != nil {
			_ = st.Close()
			return nil, fmt.Errorf("runner %s: %w", cfg.Runner, err)
		}
	}
	// With no cloud Enqueuer the service runs executions in its own pool.
	children := &childStarter{}
	if err := useTasks(cfg, children, &sopts); err != nil {
		_ = st.Close()
		return nil, err
	}
	if sopts.Workers == 0 {
		sopts.Workers = cfg.Workers
	}
	local := cfg.Runner == "" || cfg.Runner == RunnerLocal
	// The bbolt file is locked by this process: leases in it were left by
	// a previous one and are taken over at once.
	sopts.ExclusiveStore = cfg.Store == StoreBolt
	if local && sopts.Sweep == 0 {
		// Locally the process sweeps itself; in the cloud the scheduled
		// sweep event does. A short lease gets a sweep as frequent, so the
		// executions of an instance that died on a shared table are taken
		// over within about two lease durations.
		sopts.Sweep = min(execution.DefaultSweepInterval, sopts.LeaseDuration)
	}
	if sopts.ParkAfter == 0 {
		if _, real := cfg.EngineClock.(interp.RealClock); cfg.EngineClock != nil && !real {
			// A scaled clock's time is this process's own: its Waits
			// cannot be parked on the store's time.
			sopts.ParkAfter = -1
		} else if !local {
			sopts.ParkAfter = CloudParkAfter
		}
	}
	svc := execution.New(st, sopts)
	children.set(svc)
	hopts.Operations = cfg.Operations
	if hopts.Region == "" {
		hopts.Region = cfg.Region
	}
	if hopts.Authenticate == nil {
		v := auth.NewVerifier(cfg.AccessKeys, cfg.Now, auth.Options{})
		hopts.Authenticate = v.Verify
		if v.Open() {
			cfg.Logger.Warn(OpenWarning, "account", auth.DefaultAccount)
		} else {
			cfg.Logger.Info("cloudflow: signed requests required", "keys", cfg.AccessKeys.String())
		}
	}
	if hopts.Allow == nil && cfg.Throttled() {
		hopts.Allow = throttle.New(cfg.Limits, cfg.Now, throttle.Options{}).Allow
	}
	if hopts.AcquireSync == nil {
		hopts.AcquireSync = throttle.NewConcurrency(cfg.MaxSyncRuns).Acquire
	}
	if hopts.SyncWriteTimeout == 0 {
		hopts.SyncWriteTimeout = SyncWriteTimeout
	}
	cfg.Logger.Info("cloudflow: API throttling", "on", cfg.Throttled(), "rates", cfg.Limits.String())
	apiHandler := api.NewHandler(svc, hopts)
	a := &App{Handler: apiHandler, store: st, service: svc, margin: cfg.RunMargin, logger: cfg.Logger, now: cfg.Now}
	if cfg.ServesConsole() {
		c, err := console.New(svc, apiHandler, console.Options{Keys: cfg.AccessKeys, Now: cfg.Now, Logger: cfg.Logger})
		if err != nil {
			_ = a.Close()
			return nil, fmt.Errorf("console: %w", err)
		}
		a.Handler = c.With(apiHandler)
		cfg.Logger.Info("cloudflow: web console", "path", console.Prefix)
	}
	a.OnEvent = a.onEvent
	// Locally the process is the runner and picks up what the last one left.
	// In the cloud every cold start would scan the whole table: the
	// scheduled sweep does that once a minute instead.
	if local {
		if _, err := svc.Recover(ctx); err != nil {
			_ = a.Close()
			return nil, fmt.Errorf("recover pending executions: %w", err)
		}
		a.serveSchedules()
	}
	return a, nil
}

// useTasks builds the task registry (the native integrations of
// integrations, behind the mock file cfg.MockFile when set) and makes it the
// engine's task runner and the flow parser's list of known actions, unless
// sopts already sets them. An action with neither an integration nor a mock
// Actions entry is InvalidArgument at CreateFlow (reference 7.6) instead of
// a run-time failure. FNF:StartExecution starts children through children,
// which New binds to the service once it exists.
func useTasks(cfg Config, children *childStarter, sopts *execution.Options) error {
	var m *action.Mock
	if cfg.MockFile != "" {
		var err error
		if m, err = action.LoadMockFile(cfg.MockFile, cfg.EngineClock); err != nil {
			return err
		}
	}
	reg := action.NewRegistry(m, integrations(cfg, children))
	if sopts.Engine == nil {
		sopts.Engine = interp.New(interp.Options{Tasks: reg, Clock: cfg.EngineClock, MaxEvents: cfg.MaxEvents, Observer: cfg.Telemetry.Observer()})
	}
	if sopts.KnownAction == nil {
		sopts.KnownAction = reg.Known
	}
	if sopts.CheckParameters == nil {
		sopts.CheckParameters = reg.CheckParameters
	}
	return nil
}

// useTelemetry hands tel's providers to the service and the handler, unless
// they are set already; with telemetry off they stay nil and cost nothing.
func useTelemetry(tel *telemetry.Telemetry, sopts *execution.Options, hopts *api.Options) {
	if tel.Tracing() {
		if sopts.TracerProvider == nil {
			sopts.TracerProvider = tel.TracerProvider()
		}
		if hopts.TracerProvider == nil {
			hopts.TracerProvider = tel.TracerProvider()
		}
	}
	if tel.Metering() {
		if sopts.MeterProvider == nil {
			sopts.MeterProvider = tel.MeterProvider()
		}
		if hopts.MeterProvider == nil {
			hopts.MeterProvider = tel.MeterProvider()
		}
	}
}

// Close stops the runner (in-flight runs are cancelled and left for
// recovery by the next process) and closes the store.
func (a *App) Close() error {
	if a.stopSchedules != nil {
		a.stopSchedules()
		<-a.schedulesDone
	}
	return errors.Join(a.service.Close(), a.store.Close())
}

// serveSchedules starts the local scheduler: this process fires schedule
// ticks (in the cloud the scheduled sweep does).
func (a *App) serveSchedules() {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopSchedules, a.schedulesDone = cancel, make(chan struct{})
	go func() {
		defer close(a.schedulesDone)
		a.service.ServeSchedules(ctx, 0, func(err error) {
			a.logger.Warn("cloudflow: schedule ticks", "error", err)
		})
	}()
}
