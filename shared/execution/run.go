package execution

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
)

// Run-time errors of a runner; they never leave Run.
var (
	// errLeaseBusy means another runner holds an unexpired lease.
	errLeaseBusy = errors.New("execution leased by another runner")
	// errLeaseLost means the record stopped being ours: stopped, finished,
	// deleted or taken over after our lease expired.
	errLeaseLost = errors.New("execution lease lost")
	// errStopRequested cancels a run on StopExecution.
	errStopRequested = errors.New("execution stopped")
)

// leaseHolder is a run's view of its record, shared by the step loop and
// the lease heartbeat.
type leaseHolder struct {
	mu  sync.Mutex
	cur *Execution
}

// Run drives one stored execution to its end, one state attempt at a time.
// It takes the execution's lease (a CompareAndSwap naming this runner and an
// expiry), so a second runner of the same execution (another process, a
// duplicated event) returns at once while the lease is live. It resumes from
// the stored checkpoint when there is one. After every step it persists the
// checkpoint, the step's history events and a renewed lease in one
// CompareAndSwap; when that write finds the record stopped, finished,
// deleted or leased by another runner, the run ends without writing. A
// heartbeat renews the lease while a long step (a Wait, a slow Task) runs.
// When the service or ctx is cancelled, the run is abandoned: its lease is
// released and the record keeps its last checkpoint for Recover. Run
// returns an error only when the store fails.
func (s *Service) Run(ctx context.Context, ref Ref) error {
	key := ref.key()
	runCtx, cancel := context.WithCancelCause(s.base)
	defer cancel(nil)
	stopOuter := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	defer stopOuter()
	s.mu.Lock()
	if _, busy := s.running[key]; busy {
		// Already running in this process. The run under way may have
		// parked just before this request's cause (a report) was stored,
		// so it enqueues the execution once more when it returns: a wake-up
		// is never lost, and a spare run is a no-op.
		s.rerun[key] = true
		s.mu.Unlock()
		return nil
	}
	s.running[key] = func() { cancel(errStopRequested) }
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, key)
		again := s.rerun[key]
		delete(s.rerun, key)
		s.mu.Unlock()
		if again && s.base.Err() == nil {
			_ = s.opts.Enqueuer.Enqueue(s.base, ref) // on failure the sweep recovers it
		}
	}()

	now := s.now()
	e, err := s.updateExecution(runCtx, ref, "", nil, func(e *Execution) (bool, error) {
		if e.Status.Terminal() {
			return false, nil
		}
		if e.Lease.heldBy("", now) && e.Lease.Owner != s.runnerID && !s.opts.ExclusiveStore {
			return false, errLeaseBusy
		}
		e.Status = Running
		e.Lease = Lease{Owner: s.runnerID, Until: now.Add(s.opts.LeaseDuration)}
		e.WakeAt = time.Time{}
		e.NextEventID = max(e.NextEventID, 1)
		return true, nil
	})
	switch {
	case errors.Is(err, errLeaseBusy), errors.Is(err, ErrExecutionNotFound), err != nil && runCtx.Err() != nil:
		return nil
	case err != nil:
		return err
	case e.Status.Terminal():
		return nil
	}
	s.timers.remove(ref)
	h := &leaseHolder{cur: e}
	runCtx, span := s.startRunSpan(runCtx, e)
	parked := false
	defer func() {
		h.mu.Lock()
		endRunSpan(span, h.cur, parked)
		h.mu.Unlock()
	}()
	// Task runners act in the execution's account (FNF:StartExecution
	// starts its child there, reference 7.5).
	runCtx = auth.NewContext(runCtx, auth.Identity{AccountID: e.Account})
	parsed, err := s.parse(e.FlowID, e.FlowName, e.FlowMode, e.FlowDefinition)
	if err != nil {
		return s.finishRun(ctx, ref, h, interp.Result{Status: interp.Failed, Error: ErrorInvalidDefinition, Cause: err.Error()}, nil)
	}
	buf := &eventBuffer{}
	ex := s.interpExecution(e, buf)
	prog := newProgress(s, ref, h, buf)
	ex.OnProgress = prog.notify
	ex.OnMapRun = func(run *maprun.Run) {
		// The history shows the Map's StepStarted (and its MapRunName)
		// while the Map runs, not only once its step ends.
		prog.mu.Lock()
		s.flushEvents(runCtx, ref, h, buf)
		prog.mu.Unlock()
		s.trackMapRun(e, run)
	}
	var m *interp.Machine
	if e.Checkpoint != nil {
		s.logResume(ctx, e)
		cp := *e.Checkpoint
		// Events flushed during the step the checkpoint preceded keep
		// their EventIds.
		cp.NextEventID = max(cp.NextEventID, e.NextEventID)
		if m, err = s.opts.Engine.Resume(parsed, ex, cp); err != nil {
			return s.finishRun(ctx, ref, h, interp.Result{Status: interp.Failed, Error: ErrorInvalidCheckpoint, Cause: err.Error()}, nil)
		}
	} else {
		m = s.opts.Engine.Start(parsed, ex)
	}
	stepCtx := runCtx
	if d := parsed.Timeout(); d > 0 {
		left := e.StartedTime.Add(d).Sub(s.opts.Clock.Now())
		var stop context.CancelFunc
		stepCtx, stop = context.WithTimeoutCause(runCtx, left, interp.ErrFlowTimeout)
		defer stop()
	}
	beatDone := make(chan struct{})
	defer close(beatDone)
	go s.heartbeat(ref, h, beatDone, cancel)
	prog.m = m
	go prog.loop(runCtx, beatDone, cancel)
	s.mu.Lock()
	s.live[ref.key()] = prog
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.live, ref.key())
		s.mu.Unlock()
	}()

	// A run woken before its time (a spare enqueue) parks again at once.
	_, parkNow := s.parkUntil(ctx, m)
	// Between Steps the run holds prog.mu, so a progress write never
	// interleaves with its own writes or takes its events.
	locked := false
	defer func() {
		if locked {
			prog.mu.Unlock()
		}
	}()
	for step := !parkNow; ; step = true {
		if step {
			if locked {
				prog.mu.Unlock()
				locked = false
			}
			done := m.Step(stepCtx)
			prog.mu.Lock()
			locked = true
			if errors.Is(context.Cause(runCtx), errLeaseLost) {
				return nil // another writer owns the record now
			}
			if done {
				if s.abandoned(ctx, runCtx, m.Result()) {
					return s.release(ctx, ref, h)
				}
				return s.finishRun(ctx, ref, h, m.Result(), buf.take())
			}
			if runCtx.Err() != nil {
				return s.release(ctx, ref, h)
			}
		}
		cp, err := m.Checkpoint()
		if err != nil {
			return fmt.Errorf("checkpoint execution %q: %w", ref.Name, err)
		}
		evs := buf.peek()
		wake, park := s.parkUntil(ctx, m)
		err = s.persist(runCtx, ref, h, func(e *Execution) error {
			e.Checkpoint = &cp
			e.Lease.Until = s.now().Add(s.opts.LeaseDuration)
			if park {
				// No runner holds a parked execution: a report, its
				// wake-up time or a stop wakes it.
				e.Lease, e.WakeAt = Lease{}, wake
			}
			return s.commitEvents(runCtx, ref, e, evs)
		})
		if err == nil && park {
			parked = true
			s.logPark(ctx, h.cur, wake)
			s.park(ref, wake)
			return nil
		}
		switch {
		case errors.Is(err, errLeaseLost):
			cancel(errLeaseLost)
			return nil
		case err != nil && runCtx.Err() != nil:
			return s.release(ctx, ref, h)
		case err != nil:
			return err
		}
		buf.take()
	}
}

// parkUntil reports whether the run should park m rather than step it, and
// its wake-up time (zero: only a report or a stop wakes it). A callback task
// without a result parks until its Timeout; a Wait or a Retry interval parks
// when at least Options.ParkAfter of it is left, or when ctx (the run's
// budget, e.g. a cloud invocation's) ends before it. A wake-up time already
// passed never parks: the next Step moves on.
func (s *Service) parkUntil(ctx context.Context, m *interp.Machine) (time.Time, bool) {
	wake, callback, ok := m.Parked()
	if !ok {
		return time.Time{}, false
	}
	if wake.IsZero() {
		return wake, callback
	}
	left := wake.Sub(s.opts.Clock.Now())
	switch {
	case left <= 0:
		return wake, false
	case callback:
		return wake, true
	case s.opts.ParkAfter < 0:
		return wake, false
	case left >= s.opts.ParkAfter:
		return wake, true
	}
	dl, ok := ctx.Deadline()
	return wake, ok && dl.Before(wake)
}

// abandoned reports whether a run ended only because this process is
// closing (or the runner's ctx ended), not because of the execution itself.
func (s *Service) abandoned(ctx, runCtx context.Context, res interp.Result) bool {
	if res.Status != interp.Stopped {
		return false
	}
	return s.base.Err() != nil || ctx.Err() != nil || !errors.Is(context.Cause(runCtx), errStopRequested)
}

// persist applies change to the record while it is still ours, with
// CompareAndSwap (re-reading on conflict). It returns errLeaseLost when the
// record is terminal, gone or leased by another runner.
func (s *Service) persist(ctx context.Context, ref Ref, h *leaseHolder, change func(e *Execution) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	next, err := s.updateExecution(ctx, ref, h.cur.FlowName, h.cur, func(e *Execution) (bool, error) {
		if e.Status.Terminal() || e.Lease.Owner != s.runnerID {
			return false, errLeaseLost
		}
		return true, change(e)
	})
	if errors.Is(err, ErrExecutionNotFound) {
		return errLeaseLost
	}
	if err != nil {
		return err
	}
	h.cur = next
	return nil
}

// finishRun writes the run's result and its last events, and clears the
// checkpoint and the lease. A record no longer ours is left alone.
func (s *Service) finishRun(ctx context.Context, ref Ref, h *leaseHolder, res interp.Result, evs []Event) error {
	// A context of its own: the run's may be cancelled by a stop.
	wctx := context.WithoutCancel(ctx)
	err := s.persist(wctx, ref, h, func(e *Execution) error {
		finish(e, res, s.now())
		e.Checkpoint, e.Lease = nil, Lease{}
		return s.commitEvents(wctx, ref, e, evs)
	})
	if errors.Is(err, errLeaseLost) {
		return nil
	}
	if err == nil {
		s.logEnd(ctx, h.cur)
		s.reportParent(h.cur)
	}
	return err
}

// release gives up the lease of an abandoned run so that the next Recover
// (in this or another process) resumes it at once from its checkpoint.
func (s *Service) release(ctx context.Context, ref Ref, h *leaseHolder) error {
	err := s.persist(context.WithoutCancel(ctx), ref, h, func(e *Execution) error {
		e.Lease = Lease{}
		return nil
	})
	if errors.Is(err, errLeaseLost) {
		return nil
	}
	return err
}

// heartbeat renews the lease every third of LeaseDuration until done; when
// the lease is lost it cancels the run.
func (s *Service) heartbeat(ref Ref, h *leaseHolder, done <-chan struct{}, cancel context.CancelCauseFunc) {
	for {
		select {
		case <-done:
			return
		case <-s.opts.Clock.After(s.opts.LeaseDuration / 3):
		}
		err := s.persist(s.base, ref, h, func(e *Execution) error {
			e.Lease.Until = s.now().Add(s.opts.LeaseDuration)
			return nil
		})
		if errors.Is(err, errLeaseLost) {
			cancel(errLeaseLost)
			return
		}
	}
}

// Recover enqueues every execution left Starting or Running, in every
// account, whose lease is free or expired (a runner that died, a lost
// event), or held by anyone but this service with Options.ExclusiveStore
// (a previous process), except those running in this process and parked
// ones that are not due. It hands the parked ones due before the next
// sweep (Options.Sweep, else DefaultSweepInterval) to the service's
// timer. They resume from their last checkpoint, oldest start first; one
// pass enqueues at most Options.MaxQueued of them (the oldest), the next
// pass the rest. It also deletes the finished executions whose retention
// ended (Options.Retention), with their history, and, on its first run,
// writes the index entries of executions stored before the indexes
// existed (indexFlows). It reads only the due index entries due by then
// and their records (eachDue), not the executions that are finished,
// parked for later or waiting for callbacks. It returns how many it
// enqueued.
func (s *Service) Recover(ctx context.Context) (int, error) {
	if err := s.indexFlows(ctx); err != nil {
		return 0, err
	}
	now := s.now()
	lookahead := s.opts.Sweep
	if lookahead <= 0 {
		lookahead = DefaultSweepInterval
	}
	due := pending{max: s.opts.MaxQueued}
	err := s.eachDue(ctx, now.Add(lookahead), func(d dueItem, rec *kv.Item) error {
		var e *Execution
		if rec != nil {
			var err error
			if e, err = decodeExecution(*rec); err != nil {
				return err
			}
		}
		if e == nil || !isDueKey(e, d.item.Key) {
			// Not the record's entry: a leftover, or a write in flight.
			s.dropStale(ctx, d, e, now)
			if e == nil || !e.expired(s.opts.Clock.Now()) {
				return nil
			}
		}
		if e.expired(s.opts.Clock.Now()) {
			return s.expire(ctx, e)
		}
		if e.Status.Terminal() || (e.Lease.heldBy("", now) && e.Lease.Owner != s.runnerID && !s.opts.ExclusiveStore) {
			return nil
		}
		ref := e.ref()
		if wake, parked := parkedUntil(e); parked && (wake.IsZero() || now.Before(wake)) {
			s.park(ref, wake)
			return nil // a report, its wake-up time or a stop wakes it
		}
		s.mu.Lock()
		_, busy := s.running[ref.key()]
		s.mu.Unlock()
		if !busy {
			due.add(ref, e.StartedTime)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// Oldest start first: the store is the queue, and it runs in order.
	for i, ref := range due.sorted() {
		if err := s.opts.Enqueuer.Enqueue(ctx, ref); err != nil {
			return i, fmt.Errorf("enqueue %s: %w", strings.TrimPrefix(ref.key(), execRoot), err)
		}
	}
	if due.left && s.pool != nil {
		s.pool.overflowed() // the rest waits in the store: refill again once drained
	}
	return len(due.h), nil
}

// expire deletes the expired execution e: its history chunks, then its
// record, conditioned on the version read (a record replaced since by a new
// execution of the same name stays), with its listing and due index
// entries.
func (s *Service) expire(ctx context.Context, e *Execution) error {
	if err := s.deleteHistory(ctx, e.ref()); err != nil {
		return err
	}
	idx := []kv.Op{{Kind: kv.OpDelete, Key: indexKey(e)}}
	if key, ok := dueKey(e); ok {
		idx = append(idx, kv.Op{Kind: kv.OpDelete, Key: key})
	}
	err := s.apply(ctx, kv.Op{Kind: kv.OpDelete, Key: e.ref().key(), Version: e.version}, idx)
	if err != nil && !errors.Is(err, kv.ErrNotFound) && !errors.Is(err, kv.ErrConditionFailed) {
		return fmt.Errorf("delete expired execution %s: %w", strings.TrimPrefix(e.ref().key(), execRoot), err)
	}
	return nil
}
