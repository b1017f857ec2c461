package execution

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// progress writes the checkpoints of a run's long Parallel or Map while its
// Step runs (interp.Machine.Progress): the first branch or iteration that
// finishes arms a timer of Options.ProgressInterval, and when it fires one
// CompareAndSwap stores the checkpoint counting every child finished so far
// with the history events it covers (a group commit). A crash or a runner
// hand-off then resumes only the unfinished children: a child whose
// completion was written never runs again; one that finished after the
// last write runs again (at least once, as a top-level step). The run's own
// step writes and the map-run event flush take mu too, so writes never
// overtake each other.
type progress struct {
	s    *Service
	ref  Ref
	h    *leaseHolder
	buf  *eventBuffer
	m    *interp.Machine
	mu   sync.Mutex
	wake chan struct{}
}

func newProgress(s *Service, ref Ref, h *leaseHolder, buf *eventBuffer) *progress {
	return &progress{s: s, ref: ref, h: h, buf: buf, wake: make(chan struct{}, 1)}
}

// notify is interp.Execution.OnProgress.
func (p *progress) notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// loop flushes after each notification's ProgressInterval until done.
func (p *progress) loop(ctx context.Context, done <-chan struct{}, cancel context.CancelCauseFunc) {
	for {
		select {
		case <-done:
			return
		case <-p.wake:
		}
		select {
		case <-done:
			return
		case <-p.s.opts.Clock.After(p.s.opts.ProgressInterval):
		}
		if errors.Is(p.flush(ctx), errLeaseLost) {
			cancel(errLeaseLost)
			return
		}
	}
}

// flush writes the Machine's progress checkpoint, if it has news.
func (p *progress) flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flushLocked(ctx)
}

func (p *progress) flushLocked(ctx context.Context) error {
	cp, ok, err := p.m.Progress()
	if err != nil || !ok {
		return err
	}
	evs := p.buf.peekBelow(cp.NextEventID)
	err = p.s.persist(ctx, p.ref, p.h, func(e *Execution) error {
		e.Checkpoint = &cp
		e.Lease.Until = p.s.now().Add(p.s.opts.LeaseDuration)
		return p.s.commitEvents(ctx, p.ref, e, evs)
	})
	if err == nil {
		p.buf.drop(len(evs))
	}
	return err
}

// deliverWait bounds how long a report delivered to a running step waits
// for the write that makes it durable.
const deliverWait = 5 * time.Second

// deliver hands a report to the running step's waiting branch or iteration
// (interp.Machine.Deliver), so the siblings go on and the report is taken
// at once, and returns once a write covers the report's event: then the
// report survives a crash. An error of interp means the task is not waiting
// in the running step (the caller reports through the record instead);
// ErrTaskInvalidState means the write did not happen in time (the caller
// may retry).
func (p *progress) deliver(ctx context.Context, tok string, res taskResult) (int64, error) {
	var e *interp.Error
	if res.failed {
		e = &interp.Error{Name: res.err, Detail: res.note}
	}
	id, err := p.m.Deliver(tok, res.output, e)
	if err != nil {
		return 0, err
	}
	if err := p.flush(ctx); err != nil {
		return 0, &TaskError{Err: ErrTaskInvalidState, Token: tok}
	}
	// The step may have ended before the flush: the run's own write then
	// covers the event.
	for deadline := p.s.opts.Clock.Now().Add(deliverWait); ; {
		p.h.mu.Lock()
		next := p.h.cur.NextEventID
		p.h.mu.Unlock()
		if next > id {
			return id, nil
		}
		if !p.s.opts.Clock.Now().Before(deadline) {
			return 0, &TaskError{Err: ErrTaskInvalidState, Token: tok}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-p.s.opts.Clock.After(5 * time.Millisecond):
		}
	}
}
