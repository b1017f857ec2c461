package interp

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"
)

// Timers: a Wait state or a Retry interval, at any depth (top level, a
// Parallel branch, a Map iteration, a legacy scope), suspends its own frame
// with a due time (a waiting without token, or frame.retryAt) instead of
// sleeping; its siblings go on. Once every unfinished part of the Machine is
// suspended, Machine.Parked reports the earliest due time, and the next Step
// either sleeps until it (awaitTimers) or the caller parks the execution.
// While a fan's Step still runs other children, a child suspended on a timer
// is resumed within that Step when it falls due (dueWatch), so a Wait in one
// branch never waits for a slow sibling.

// suspension sums up the suspended frames of a tree.
type suspension struct {
	timer    time.Time // earliest due time of a Wait or Retry interval; zero = none
	deadline time.Time // earliest of timer and the callback tasks' Timeouts; zero = none
	callback bool      // a callback task has no result
}

// summarize reads the suspended frames under fr.
func summarize(fr *frame) suspension {
	var s suspension
	walkSuspended(fr, func(k *frame) bool {
		var at time.Time
		switch w := k.wait; {
		case w == nil:
			at = k.retryAt
			s.timer = earliest(s.timer, at)
		case w.reported:
			return true
		case w.token == "":
			at = w.deadline
			s.timer = earliest(s.timer, at)
		default:
			s.callback, at = true, w.deadline
		}
		s.deadline = earliest(s.deadline, at)
		return true
	})
	return s
}

// earliest returns the earlier of a and b, a zero time meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// walkSuspended calls visit for every frame of the tree under fr that holds
// a callback task or a Wait (frame.wait) or waits out a Retry interval
// (frame.retryAt), in branch and item order; visit returns false to stop.
func walkSuspended(fr *frame, visit func(*frame) bool) bool {
	switch {
	case fr.wait != nil:
		return visit(fr)
	case fr.fan != nil:
		for _, k := range fr.fan.kids {
			if k != nil && !walkSuspended(k, visit) {
				return false
			}
		}
	case !fr.retryAt.IsZero():
		return visit(fr)
	}
	return true
}

// fire ends the Waits and Retry intervals under fr due at or before upTo,
// whatever the clock reads: a scaled clock's sleep ends before its Now
// passes the due time.
func fire(fr *frame, upTo time.Time) {
	walkSuspended(fr, func(k *frame) bool {
		switch w := k.wait; {
		case w == nil:
			if !k.retryAt.After(upTo) {
				k.retryAt = time.Time{}
			}
		case w.token == "" && !w.reported && !w.deadline.After(upTo):
			w.reported, w.output = true, w.input // a Wait's output is its input
		}
		return true
	})
}

// awaitTimers starts a Step of fr: when every unfinished part of it is
// suspended and none on a callback task, it sleeps until the earliest Wait
// or Retry interval is due (bounded by the flow's Timeout) and ends the
// ones due by then.
func (r *run) awaitTimers(ctx context.Context, fr *frame) *failure {
	if fr.wait == nil && fr.fan == nil && fr.retryAt.IsZero() {
		return nil
	}
	if !r.blocked(fr, r.nowFunc()) {
		return nil
	}
	s := summarize(fr)
	if s.callback || s.timer.IsZero() {
		return nil // only a report (or a Timeout, which blocked checks) moves it
	}
	if f := r.sleep(ctx, s.timer.Sub(r.opts.Clock.Now())); f != nil {
		return f
	}
	fire(fr, s.timer)
	return nil
}

// errDue is the cause of a dueWatch timer that fired.
var errDue = errors.New("timer due")

// dueWatch resumes, within one Step of fan fn, the children suspended on a
// Wait or Retry interval while other workers of the Step still run. Each
// such child gets a timer on the engine clock (until the Step's fan work
// ends); a due child is fired and put on fn.ready, by a worker looking for
// work (take polls the earliest timer) or by the timer's goroutine, which
// also starts a worker for it, as Deliver does for a report.
type dueWatch struct {
	r   *run
	fn  *fan
	ctx context.Context // the Step's fan work; done when it ends
	wg  sync.WaitGroup
	h   []dueKid // by due time (container/heap); fn.mu
}

// dueKid is a child of the fan waiting for its due time at.
type dueKid struct {
	i     int
	k     *frame
	at    time.Time
	timer context.Context // ends with errDue at at
}

// watch starts the timer of child i (frame k), just suspended, when a
// timer waits in its tree. fn.mu is held.
func (d *dueWatch) watch(i int, k *frame) {
	at := summarize(k).timer
	if at.IsZero() {
		return
	}
	tctx, stop := d.r.opts.Clock.WithTimeoutCause(d.ctx, at.Sub(d.r.opts.Clock.Now()), errDue)
	heap.Push((*dueKids)(&d.h), dueKid{i: i, k: k, at: at, timer: tctx})
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer stop()
		<-tctx.Done()
		if !errors.Is(context.Cause(tctx), errDue) {
			return // the Step's fan work ended first
		}
		fn := d.fn
		fn.mu.Lock()
		defer fn.mu.Unlock()
		if d.poll() && fn.spawn != nil {
			fn.spawn()
		}
	}()
}

// poll moves the children whose timers fired to fn.ready, firing their
// Waits and Retry intervals; it reports whether it moved any. fn.mu is
// held.
func (d *dueWatch) poll() bool {
	moved := false
	for len(d.h) > 0 {
		top := d.h[0]
		if !errors.Is(context.Cause(top.timer), errDue) {
			return moved
		}
		heap.Pop((*dueKids)(&d.h))
		if d.fn.kids[top.i] != top.k {
			continue // running again already
		}
		fire(top.k, top.at)
		d.fn.ready = append(d.fn.ready, top.i)
		d.fn.version++
		moved = true
	}
	return moved
}

// dueKids is a min-heap by due time (container/heap).
type dueKids []dueKid

func (h dueKids) Len() int           { return len(h) }
func (h dueKids) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueKids) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueKids) Push(x any)        { *h = append(*h, x.(dueKid)) }
func (h *dueKids) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
