package execution

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
)

// Store is the key-value store the service keeps its records in. The
// shared/kv stores satisfy it.
type Store interface {
	Get(ctx context.Context, key string) (kv.Item, error)
	// GetMany returns the items stored under keys, in their order,
	// leaving out the keys that have none.
	GetMany(ctx context.Context, keys []string) ([]kv.Item, error)
	PutIfAbsent(ctx context.Context, key string, value []byte) (kv.Item, error)
	CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (kv.Item, error)
	Delete(ctx context.Context, key string, version int64) error
	List(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error)
}

// expiringStore is a Store whose items can carry an expiry its back end
// acts on (the DynamoDB store's TTL attribute). Finished executions are
// written with it when the store has it; either way reads filter them.
type expiringStore interface {
	CompareAndSwapExpiring(ctx context.Context, key string, version int64, value []byte, expiresAt int64) (kv.Item, error)
}

// Clock is the time source (real time in production, a fake in tests).
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

// Enqueuer hands a Starting execution to a runner, which eventually calls
// Service.Run with the Ref. Pool is the in-process implementation; a cloud
// deployment may send an asynchronous invocation instead.
type Enqueuer interface {
	Enqueue(ctx context.Context, ref Ref) error
}

// Defaults of Options.
const (
	// DefaultWorkers is the default limit on concurrent runs of the
	// in-process Pool. A run holds a goroutine while it works, and while
	// it waits for a slow Task; Waits and Retry intervals park instead
	// (see DefaultParkAfter).
	DefaultWorkers         = 1000
	DefaultSyncMargin      = 500 * time.Millisecond
	DefaultMaxSyncDuration = 5 * time.Minute
	DefaultPollInterval    = time.Second
	DefaultLeaseDuration   = 30 * time.Second
	// DefaultRetention is how long a finished execution is kept
	// (reference 9.4, decision 43).
	DefaultRetention = 30 * 24 * time.Hour
	// DefaultHistorySpillBytes is how many bytes of committed history
	// events a record holds before they move to a chunk key.
	DefaultHistorySpillBytes = 16 << 10
	// DefaultSweepInterval is how often a service with Options.Sweep
	// re-runs Recover.
	DefaultSweepInterval = 10 * time.Second
	// DefaultParkAfter is the shortest Wait or Retry interval that parks
	// its execution (the record keeps its wake-up time, the runner returns
	// its worker, the service's timer enqueues it when due); shorter ones
	// sleep in their runner. A park and its resumption cost two record
	// writes and a resume from the checkpoint, about a millisecond: a
	// worker held for 100 ms costs more than that. A Wait lasts at least
	// 1 s, so this concerns the end of a flow's Timeout and short retries.
	DefaultParkAfter = 100 * time.Millisecond
	// DefaultProgressInterval is how long a run gathers finished branches
	// and iterations before it writes them (a group commit).
	DefaultProgressInterval = 250 * time.Millisecond
	// DefaultMaxQueued bounds the executions the in-process Pool keeps
	// queued in memory; beyond it a started execution waits in the store
	// (status Starting) for the sweep.
	DefaultMaxQueued = 100_000
	// listPage is how many items one store List call reads.
	listPage = 500
	// parseCacheSize bounds the parsed-definition cache.
	parseCacheSize = 1024
)

// Options configures a Service. Zero fields take the documented defaults.
type Options struct {
	// Clock is the time source; default SystemClock.
	Clock Clock
	// NewID returns a fresh lower-case UUID v4 string (flow Ids and
	// generated execution names); default uuid.NewString.
	NewID func() string
	// Engine runs flows, configured with the task runners and clock of
	// the deployment; default interp.New(interp.Options{}).
	Engine *interp.Engine
	// KnownAction is passed to flow.Parse; nil accepts every Task action.
	KnownAction func(action string) bool
	// CheckParameters is passed to flow.Parse; nil accepts every
	// Parameters key.
	CheckParameters func(state, action string, keys []string) error
	// Enqueuer receives started executions; nil means an in-process Pool
	// running at most Workers executions at a time, stopped by Close.
	Enqueuer Enqueuer
	// Workers is the most executions the default Pool runs at a time;
	// default DefaultWorkers (1000).
	Workers int
	// MaxQueued is the most executions the default Pool queues in memory
	// while all Workers are busy; default DefaultMaxQueued. Further ones
	// stay Starting in the store (the record is the queue) and the sweep
	// enqueues them once the queue has room.
	MaxQueued int
	// ParkAfter is the shortest Wait or Retry interval that parks its
	// execution instead of sleeping in its runner (a run whose context
	// ends before the wake-up time parks in any case); default
	// DefaultParkAfter. Negative: Waits and Retry intervals always sleep in
	// their runner (an engine clock that is not real time, see
	// interp.ScaledClock, cannot be parked on). Callback tasks always park.
	ParkAfter time.Duration
	// ProgressInterval is how long a run gathers finished branches and
	// iterations of a long Parallel or Map before it writes them with a
	// checkpoint (progress.go); default DefaultProgressInterval.
	ProgressInterval time.Duration
	// ExclusiveStore says the store belongs to this process alone (the
	// embedded bbolt file, which is locked): a lease naming another runner
	// was left by a previous process, so Recover and Run take it over at
	// once instead of waiting for it to expire.
	ExclusiveStore bool
	// Sweep, when positive, makes the service run Recover every Sweep
	// (DefaultSweepInterval is the usual value) until Close, so expired
	// leases, executions the Pool could not queue and due callback
	// timeouts are picked up without a restart. Zero: no sweep (a cloud
	// deployment has its scheduled sweep instead).
	Sweep time.Duration
	// SyncMargin is subtracted from the caller's deadline to bound an
	// Express run; default 500ms.
	SyncMargin time.Duration
	// MaxSyncDuration is the longest Express run; default 5 minutes.
	MaxSyncDuration time.Duration
	// PollInterval is how often DescribeExecution's long-poll re-reads the
	// store (for changes made by other processes); default 1s.
	PollInterval time.Duration
	// RunnerID names this service's runner in execution leases; default a
	// fresh NewID().
	RunnerID string
	// LeaseDuration is how long a runner's lease on an execution lasts
	// without renewal; steps and a heartbeat every third of it renew it.
	// Default 30s.
	LeaseDuration time.Duration
	// Retention is how long a finished execution is kept: its record gets
	// an expiry (Execution.ExpiresAt) this long after it ends, reads treat
	// an expired record as absent, its name can be started again, and
	// Recover deletes it. Default DefaultRetention (30 days).
	Retention time.Duration
	// MaxFinished, when positive, bounds the finished executions kept:
	// once this service has finished more than MaxFinished executions, the
	// oldest of them is deleted with its history as soon as another one
	// finishes, as if its retention had ended. It counts what this process
	// finished, so it suits a store of its own (the memory store, whose
	// contents end with the process); zero keeps each one for Retention.
	MaxFinished int
	// MapRunSaveInterval is how often a running map run's counts are
	// written to its record; default DefaultMapRunSaveInterval.
	MapRunSaveInterval time.Duration
	// HistorySpillBytes is how many bytes of committed history events an
	// execution record holds before they move to a chunk key; default
	// DefaultHistorySpillBytes.
	HistorySpillBytes int
	// Rand returns a uniformly random integer in [0, n) for n > 0; an alias
	// Qualifier draws from it to pick a version by weight. It must be safe
	// for concurrent use. Default math/rand/v2.Int64N.
	Rand func(n int64) int64
	// TokenRand is the source of the random part of task tokens; nil means
	// crypto/rand.
	TokenRand io.Reader
	// Logger receives the lifecycle lines of executions (started, parked,
	// resumed, ended; see logs.go); nil means slog.Default().
	Logger *slog.Logger
	// TracerProvider traces run slices (see telemetry.go); nil traces
	// nothing.
	TracerProvider trace.TracerProvider
	// MeterProvider records the execution metrics (started, ended, parked,
	// runner queue); nil records nothing.
	MeterProvider metric.MeterProvider
}

// Service implements the flow and execution use cases. It is safe for
// concurrent use.
type Service struct {
	store    Store
	opts     Options
	runnerID string
	pool     *Pool // the default runner, nil when Options.Enqueuer is set

	base     context.Context // cancelled by Close
	shutdown context.CancelFunc
	bg       sync.WaitGroup // background work: parent reports, the timer service, the sweep
	timers   *timers        // parked executions, by due time (timers.go)
	finished finishedQueue  // executions finished here, for MaxFinished (finished.go)

	mu       sync.Mutex
	running  map[string]context.CancelFunc // in-process runs by execution key
	rerun    map[string]bool               // runs asked for while one was under way (see Run)
	live     map[string]*progress          // in-process runs' progress writers, for reports (progress.go)
	watchers map[string]chan struct{}      // closed when the execution changes
	mapRuns  map[string]*maprun.Run        // live map runs of this process's runs, by record key
	parsed   map[string]*flow.Flow         // parse cache
	refs     refs                          // makes the Refs of parked executions small
	snaps    snapshots                     // flow snapshots stored or read (snapshot.go)

	// noApply is set once the store answered Apply with
	// errors.ErrUnsupported (a DynamoDB server without transactions).
	noApply atomic.Bool
	// indexed is set once indexFlows has found every flow indexed.
	indexed atomic.Bool

	inst instruments // traces and metrics
}

// New returns a Service on store. Unless opts.Enqueuer is set it starts an
// in-process Pool; call Close to stop it.
func New(store Store, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = SystemClock
	}
	if opts.NewID == nil {
		opts.NewID = uuid.NewString
	}
	if opts.Engine == nil {
		opts.Engine = interp.New(interp.Options{})
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.ParkAfter == 0 {
		opts.ParkAfter = DefaultParkAfter
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = DefaultProgressInterval
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = DefaultMaxQueued
	}
	if opts.SyncMargin <= 0 {
		opts.SyncMargin = DefaultSyncMargin
	}
	if opts.MaxSyncDuration <= 0 {
		opts.MaxSyncDuration = DefaultMaxSyncDuration
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.RunnerID == "" {
		opts.RunnerID = opts.NewID()
	}
	if opts.LeaseDuration <= 0 {
		opts.LeaseDuration = DefaultLeaseDuration
	}
	if opts.MapRunSaveInterval <= 0 {
		opts.MapRunSaveInterval = DefaultMapRunSaveInterval
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.HistorySpillBytes <= 0 {
		opts.HistorySpillBytes = DefaultHistorySpillBytes
	}
	if opts.Rand == nil {
		opts.Rand = rand.Int64N
	}
	s := &Service{
		store:    store,
		opts:     opts,
		running:  map[string]context.CancelFunc{},
		rerun:    map[string]bool{},
		live:     map[string]*progress{},
		watchers: map[string]chan struct{}{},
		mapRuns:  map[string]*maprun.Run{},
		parsed:   map[string]*flow.Flow{},
		runnerID: opts.RunnerID,
		timers:   newTimers(),
	}
	s.base, s.shutdown = context.WithCancel(context.Background())
	if opts.Enqueuer == nil {
		s.pool = newPool(s, opts.Workers, opts.MaxQueued)
		s.pool.refill = func() {
			if _, err := s.Recover(s.base); err != nil && s.base.Err() == nil {
				s.logger().Error("cloudflow: refill the runner queue", "err", err)
			}
		}
		s.opts.Enqueuer = s.pool
	}
	s.inst = newInstruments(s)
	s.bg.Add(1)
	go s.serveTimers()
	if opts.Sweep > 0 {
		s.bg.Add(1)
		go s.sweep(opts.Sweep)
	}
	return s
}

// sweep runs Recover every interval until Close.
func (s *Service) sweep(interval time.Duration) {
	defer s.bg.Done()
	for {
		select {
		case <-s.base.Done():
			return
		case <-s.opts.Clock.After(interval):
		}
		if _, err := s.Recover(s.base); err != nil && s.base.Err() == nil {
			slog.Error("cloudflow: sweep", "err", err)
		}
	}
}

// Close stops the service: in-process runs are cancelled and abandoned
// (their records stay Starting or Running, so Recover picks them up in the
// next process) and the default Pool's workers are waited for. Close does
// not close the store.
func (s *Service) Close() error {
	s.shutdown()
	if s.pool != nil {
		s.pool.Close()
	}
	s.bg.Wait()
	return nil
}

// Enqueue hands ref to the service's runner: Options.Enqueuer, or the
// in-process Pool the service owns. A cloud invocation whose time ran out
// uses it to continue an execution in a new one.
func (s *Service) Enqueue(ctx context.Context, ref Ref) error {
	return s.opts.Enqueuer.Enqueue(ctx, ref)
}

// parse returns the parsed definition, from the cache when this flow
// version was parsed before. The cache key is the flow Id plus a hash of the
// definition and mode, so each version is parsed once.
func (s *Service) parse(flowID, name string, mode flow.Mode, def string) (*flow.Flow, error) {
	sum := sha256.Sum256([]byte(string(mode) + "\x00" + name + "\x00" + def))
	key := flowID + "/" + hex.EncodeToString(sum[:])
	s.mu.Lock()
	f, ok := s.parsed[key]
	s.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := flow.Parse([]byte(def), flow.ParseOptions{Name: name, Mode: mode, KnownAction: s.opts.KnownAction, CheckParameters: s.opts.CheckParameters})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.parsed) >= parseCacheSize {
		clear(s.parsed)
	}
	s.parsed[key] = f
	s.mu.Unlock()
	return f, nil
}

// watch returns a channel closed at the next change of the execution key.
func (s *Service) watch(key string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.watchers[key]
	if !ok {
		ch = make(chan struct{})
		s.watchers[key] = ch
	}
	return ch
}

// notify wakes the watchers of the execution key.
func (s *Service) notify(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.watchers[key]; ok {
		close(ch)
		delete(s.watchers, key)
	}
}

func (s *Service) now() time.Time { return s.opts.Clock.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) getFlow(ctx context.Context, account, name string) (*Flow, int64, error) {
	it, err := s.store.Get(ctx, flowKey(account, name))
	if errors.Is(err, kv.ErrNotFound) {
		return nil, 0, &ResourceError{Err: ErrFlowNotFound, Flow: name}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load flow %q: %w", name, err)
	}
	var f Flow
	if err := json.Unmarshal(it.Value, &f); err != nil {
		return nil, 0, fmt.Errorf("decode flow %q: %w", name, err)
	}
	return &f, it.Version, nil
}

func (s *Service) getExecution(ctx context.Context, ref Ref, flowName string) (*Execution, error) {
	it, err := s.store.Get(ctx, ref.key())
	if errors.Is(err, kv.ErrNotFound) {
		return nil, &ResourceError{Err: ErrExecutionNotFound, Flow: flowName, Execution: ref.Name}
	}
	if err != nil {
		return nil, fmt.Errorf("load execution %q: %w", ref.Name, err)
	}
	e, err := decodeExecution(it)
	if err != nil {
		return nil, err
	}
	if e.expired(s.opts.Clock.Now()) {
		return nil, &ResourceError{Err: ErrExecutionNotFound, Flow: flowName, Execution: ref.Name}
	}
	return e, s.resolveSnapshot(ctx, e)
}

// compareAndSwap writes the execution record e over cur, the record as
// read, together with the listing index entries a change of status or
// expiry moves (see apply). A finished execution gets its expiry first
// (ExpiresAt, Options.Retention after it ended), which a store with TTL
// support also records for its own expiry.
func (s *Service) compareAndSwap(ctx context.Context, cur, e *Execution) (kv.Item, error) {
	if e.Status.Terminal() && e.ExpiresAt == 0 {
		end := e.StoppedTime
		if end.IsZero() {
			end = s.now()
		}
		e.ExpiresAt = end.Add(s.opts.Retention).Unix()
	}
	val, err := encodeExecution(e)
	if err != nil {
		return kv.Item{}, err
	}
	key := cur.ref().key()
	idx, err := indexChange(cur, e)
	if err != nil {
		return kv.Item{}, err
	}
	idx = append(idx, e.chunks...)
	e.chunks = nil
	if len(idx) > 0 {
		err := s.apply(ctx, kv.Op{Kind: kv.OpSwap, Key: key, Version: cur.version, Value: val, ExpiresAt: e.ExpiresAt}, idx)
		if err != nil {
			return kv.Item{}, err
		}
		return kv.Item{Key: key, Value: val, Version: cur.version + 1}, nil
	}
	if es, ok := s.store.(expiringStore); ok && e.ExpiresAt > 0 {
		return es.CompareAndSwapExpiring(ctx, key, cur.version, val, e.ExpiresAt)
	}
	return s.store.CompareAndSwap(ctx, key, cur.version, val)
}

// deleteHistory deletes the history chunks and map run records of the
// execution ref, each conditioned on the version read. It runs only for an
// expired record (or none at all, after a store's TTL removed it) whose
// name is about to be reused or which is being deleted, so the items are
// that execution's.
func (s *Service) deleteHistory(ctx context.Context, ref Ref) error {
	if err := s.deleteAll(ctx, histPrefix(ref), ref); err != nil {
		return err
	}
	return s.deleteAll(ctx, mapRunPrefix(ref), ref)
}

// eachStore is a Store that reads every item under a prefix in one pass
// (the DynamoDB store, whose List of a prefix spanning partitions, such as
// Recover's execRoot, scans the whole table for every page). Prefixes
// within one partition keep List's key order.
type eachStore interface {
	Each(ctx context.Context, prefix string, fn func(kv.Item) error) error
}

// eachItem calls fn for every item under prefix: in key order a List page
// at a time, or in one pass with a store's Each (in key order within one
// partition). A store error is returned wrapped as "list <what>", fn's
// unchanged.
func (s *Service) eachItem(ctx context.Context, prefix, what string, fn func(kv.Item) error) error {
	if es, ok := s.store.(eachStore); ok {
		var fnErr error
		err := es.Each(ctx, prefix, func(it kv.Item) error {
			fnErr = fn(it)
			return fnErr
		})
		if err != nil && fnErr == nil {
			return fmt.Errorf("list %s: %w", what, err)
		}
		return err
	}
	after := ""
	for {
		items, err := s.store.List(ctx, prefix, after, listPage)
		if err != nil {
			return fmt.Errorf("list %s: %w", what, err)
		}
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(items) < listPage {
			return nil
		}
		after = items[len(items)-1].Key
	}
}

func (s *Service) deleteAll(ctx context.Context, prefix string, ref Ref) error {
	for {
		items, err := s.store.List(ctx, prefix, "", listPage)
		if err != nil {
			return fmt.Errorf("list %q of %q: %w", prefix, ref.Name, err)
		}
		for _, it := range items {
			err := s.store.Delete(ctx, it.Key, it.Version)
			if err != nil && !errors.Is(err, kv.ErrNotFound) && !errors.Is(err, kv.ErrConditionFailed) {
				return fmt.Errorf("delete %q: %w", it.Key, err)
			}
		}
		if len(items) < listPage {
			return nil
		}
	}
}

// updateExecution applies change to the stored execution with
// CompareAndSwap, re-reading and retrying on conflict. change returns false
// to leave the record as it is. The written (or unchanged) record is
// returned.
func (s *Service) updateExecution(ctx context.Context, ref Ref, flowName string, cur *Execution, change func(e *Execution) (bool, error)) (*Execution, error) {
	var out *Execution
	err := kv.Retry(ctx, func() (bool, error) {
		if cur == nil {
			var err error
			if cur, err = s.getExecution(ctx, ref, flowName); err != nil {
				return false, err
			}
		}
		next := *cur
		next.chunks = nil
		ok, err := change(&next)
		if err != nil || !ok {
			out = cur
			return false, err
		}
		it, err := s.compareAndSwap(ctx, cur, &next)
		if errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrNotFound) {
			cur = nil
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("update execution %q: %w", ref.Name, err)
		}
		next.version = it.Version
		s.notify(ref.key())
		out = &next
		if next.Status.Terminal() && !cur.Status.Terminal() {
			s.noteFinished(out)
		}
		return false, nil
	})
	if err != nil {
		return out, conflict(err, flowName, ref.Name)
	}
	return out, nil
}

// conflict turns kv.Retry giving up into ResourceError(ErrConflict) for
// the flow and execution named; other errors pass unchanged.
func conflict(err error, flowName, execName string) error {
	if errors.Is(err, kv.ErrConditionFailed) {
		return &ResourceError{Err: ErrConflict, Flow: flowName, Execution: execName}
	}
	return err
}
