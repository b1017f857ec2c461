package maprun

import (
	"context"
	"sync"
	"time"
)

// Status is a map run's status.
type Status string

// Map run statuses.
const (
	Running   Status = "Running"
	Succeeded Status = "Succeeded"
	Failed    Status = "Failed"
	Aborted   Status = "Aborted"
)

// Counts are a map run's ItemCounts. Total = Pending + Running + Succeed +
// Failed + Aborted at every moment.
type Counts struct {
	Total, Succeed, Failed, Running, Pending, Aborted int
}

// State is a snapshot of a map run.
type State struct {
	Name                      string
	Status                    Status
	Concurrency               int
	ToleratedFailedCount      int
	ToleratedFailedPercentage float64
	Counts                    Counts
	StartedTime               time.Time
	StoppedTime               time.Time // zero while Running
}

// Settings are the values UpdateMapRun may change; nil fields stay as they
// are.
type Settings struct {
	Concurrency               *int
	ToleratedFailedCount      *int
	ToleratedFailedPercentage *float64
}

// Run is one map run. Its methods are safe for concurrent use.
type Run struct {
	mu      sync.Mutex
	st      State
	changed chan struct{} // closed (and replaced) when a waiting item may start
	done    chan struct{} // closed by Finish
	version int64         // grows with every change, for persisters
}

// New returns a Running map run of total items, all pending, at most
// concurrency of them running at once (at least 1).
func New(name string, total, concurrency int, now time.Time) *Run {
	return &Run{
		st: State{Name: name, Status: Running, Concurrency: max(concurrency, 1),
			Counts: Counts{Total: total, Pending: total}, StartedTime: now},
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// Restore returns the map run name of a resumed execution: total items of
// which done have already finished (counted as succeeded), the rest
// pending, at most concurrency running at once.
func Restore(name string, total, concurrency int, now time.Time, done int) *Run {
	r := New(name, total, concurrency, now)
	done = min(max(done, 0), total)
	r.st.Counts.Pending -= done
	r.st.Counts.Succeed += done
	return r
}

// Acquire waits until fewer items run than the current limit, then counts
// one pending item as running. The limit is read as each item is about to
// start, so a change applies to the items not yet started. It returns
// ctx.Err() if ctx ends first.
func (r *Run) Acquire(ctx context.Context) error {
	for {
		r.mu.Lock()
		if r.st.Counts.Running < r.st.Concurrency {
			r.st.Counts.Running++
			r.st.Counts.Pending--
			r.version++
			r.mu.Unlock()
			return nil
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Release ends a running item: succeeded, failed, or aborted (cancelled
// before it finished). For a failure it reports whether the failures so far
// are within the tolerated count or percentage, in which case the Map goes
// on without that item's result.
func (r *Run) Release(outcome Status) (tolerated bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st.Status != Running {
		return false
	}
	r.st.Counts.Running--
	switch outcome {
	case Succeeded:
		r.st.Counts.Succeed++
	case Failed:
		r.st.Counts.Failed++
		tolerated = r.toleratedLocked()
	default:
		r.st.Counts.Aborted++
	}
	r.version++
	r.wakeLocked()
	return tolerated
}

// Suspend ends a running item that now waits (a Wait state, a Retry
// interval or a callback task inside it): it counts as pending again, as in
// a map run Restore rebuilds, and Acquire runs it on.
func (r *Run) Suspend() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st.Status != Running {
		return
	}
	r.st.Counts.Running--
	r.st.Counts.Pending++
	r.version++
	r.wakeLocked()
}

func (r *Run) toleratedLocked() bool {
	c := r.st.Counts
	if c.Failed <= r.st.ToleratedFailedCount {
		return true
	}
	p := r.st.ToleratedFailedPercentage
	return p > 0 && float64(c.Failed)*100 <= p*float64(c.Total)
}

func (r *Run) wakeLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Update applies UpdateMapRun's settings to a running map run (a finished
// one keeps its values) and returns the new state. A higher Concurrency lets waiting
// items start at once; a lower one holds items back until enough running
// ones end.
func (r *Run) Update(s Settings) State {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st.Status != Running {
		return r.st
	}
	if s.Concurrency != nil {
		r.st.Concurrency = max(*s.Concurrency, 1)
	}
	if s.ToleratedFailedCount != nil {
		r.st.ToleratedFailedCount = *s.ToleratedFailedCount
	}
	if s.ToleratedFailedPercentage != nil {
		r.st.ToleratedFailedPercentage = *s.ToleratedFailedPercentage
	}
	r.version++
	r.wakeLocked()
	return r.st
}

// Finish ends the map run with status at now: items still pending or
// running count as Aborted. Later calls do nothing.
func (r *Run) Finish(status Status, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st.Status != Running {
		return
	}
	c := &r.st.Counts
	c.Aborted += c.Pending + c.Running
	c.Pending, c.Running = 0, 0
	r.st.Status, r.st.StoppedTime = status, now
	r.version++
	r.wakeLocked()
	close(r.done)
}

// State returns a snapshot of the map run and its change version.
func (r *Run) State() (State, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st, r.version
}

// Done is closed once the map run has finished.
func (r *Run) Done() <-chan struct{} { return r.done }
