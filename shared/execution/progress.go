package execution

import (
	"context"
	"errors"
	"sync"

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
