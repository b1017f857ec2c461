package interp

import (
	"fmt"
	"slices"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// Checkpoints while a Step runs a long Parallel or Map (Execution.OnProgress
// and Machine.Progress): the top-level fan publishes itself (run.live), each
// running child records where its current step started (fan.inflight, a
// bound), and Progress turns that into a Checkpoint marked Running: the
// finished children are counted as finished, the running ones restart at
// the beginning of their current step, the waiting ones keep their tasks.
// Every history event emitted before the checkpoint's NextEventID belongs
// to it: a child is marked finished (or its bound moves on) only after its
// events were emitted. A running child's nested Parallel or Map restarts
// with that child's step.

// bound is where a running child's current step started.
type bound struct {
	fresh        bool // not prepared yet: the child starts from its beginning
	cur, retries int
	input        any
	ruleAttempts []int
	retryAt      time.Time
	entered      int64
	wait         *WaitCheckpoint
	fan          *FanCheckpoint
}

// boundOf records k's position; k is not running.
func (r *run) boundOf(k *frame) bound {
	if k.fresh {
		return bound{fresh: true}
	}
	b := bound{cur: k.cur, retries: k.retries, input: k.input, ruleAttempts: slices.Clone(k.ruleAttempts), retryAt: k.retryAt, entered: k.entered}
	if k.wait != nil {
		b.wait, _ = k.wait.checkpoint() // an unencodable wait restarts the step
	}
	if k.fan != nil {
		b.fan, _ = r.fanCheckpoint(k.fan)
	}
	return b
}

// checkpoint is the ChildCheckpoint of child i at b.
func (b bound) checkpoint(i int) (ChildCheckpoint, error) {
	if b.fresh {
		return ChildCheckpoint{Index: i, Fresh: true}, nil
	}
	in, err := value.Encode(b.input)
	if err != nil {
		return ChildCheckpoint{}, fmt.Errorf("checkpoint child input: %w", err)
	}
	return ChildCheckpoint{
		Index: i, State: b.cur, Input: in, RetryCount: b.retries, RuleAttempts: b.ruleAttempts,
		RetryAt: b.retryAt, StepEventID: b.entered, Wait: b.wait, Fan: b.fan,
	}, nil
}

// publish makes fn (nil: none) the fan Progress reads.
func (r *run) publish(fn *fan) {
	r.liveMu.Lock()
	r.live = fn
	r.liveMu.Unlock()
}

// Progress returns a checkpoint of the execution while a Step runs a
// top-level Parallel or Map, when some branch or iteration finished or
// suspended since the last one (ok is false otherwise, and when no such
// Step runs). It is safe to call while Step runs, and only meaningful for
// an Execution with OnProgress. The checkpoint is marked Running; its
// NextEventID bounds the history events it covers.
func (m *Machine) Progress() (cp Checkpoint, ok bool, err error) {
	r := m.r
	r.liveMu.Lock()
	defer r.liveMu.Unlock()
	fn := r.live
	if fn == nil {
		return Checkpoint{}, false, nil
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if fn.version == fn.flushed {
		return Checkpoint{}, false, nil
	}
	if cp, err = m.position(); err != nil {
		return Checkpoint{}, false, err
	}
	if cp.Fan, err = r.fanCheckpoint(fn); err != nil {
		return Checkpoint{}, false, err
	}
	if r.hist != nil {
		cp.NextEventID = r.hist.peek()
	}
	cp.Running = true
	fn.flushed = fn.version
	return cp, true, nil
}

// Deliver reports a callback task of a branch or iteration that waits
// while its top-level Parallel or Map still runs (a Step is under way): e
// nil completes it with output, otherwise fails it with e. It records the
// task's closing event and returns its EventId; a running worker of the
// fan, or the next Step, goes on with that child. It is safe to call while
// Step runs. Errors: ErrNotWaiting when no such fan runs (report through
// Complete or Fail between Steps), ErrTokenMismatch, ErrAlreadyReported.
func (m *Machine) Deliver(token string, output any, e *Error) (int64, error) {
	r := m.r
	r.liveMu.Lock()
	defer r.liveMu.Unlock()
	fn := r.live
	if fn == nil {
		return 0, ErrNotWaiting
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if fn.closed[token] {
		return 0, ErrAlreadyReported
	}
	for _, b := range fn.inflight {
		if b.wait != nil && b.wait.Token == token && token != "" {
			return 0, ErrAlreadyReported // its child runs on with a result
		}
	}
	for i, k := range fn.kids {
		if k == nil {
			continue
		}
		var found *frame
		walkWaits(k, func(fr *frame) bool {
			if fr.wait.token == token && token != "" {
				found = fr
				return false
			}
			return true
		})
		switch {
		case found == nil:
			continue
		case found.wait.reported:
			return 0, ErrAlreadyReported
		}
		typ := TaskSucceeded
		if e != nil {
			typ, output = TaskFailed, nil
		}
		id := r.report(found.wait, found.scope.States[found.cur].Name, typ, output, e)
		fn.version++
		fn.ready = append(fn.ready, i)
		if fn.closed == nil {
			fn.closed = map[string]bool{}
		}
		fn.closed[token] = true
		if fn.spawn != nil {
			fn.spawn()
		}
		return id, nil
	}
	return 0, ErrTokenMismatch
}
