package execution

import (
	"container/heap"
	"slices"
	"strings"
	"sync"
	"time"
)

// timers is the service's one timer for parked executions: a heap of
// executions by due time, served by one goroutine (serveTimers) that
// enqueues each when it is due. A parked execution costs one map entry and
// one heap entry, no goroutine and no runtime timer. It is only a shortcut:
// the record holds the due time (Execution.WakeAt), Recover loads the heap
// from the store at start-up and every sweep enqueues what is due, so a lost
// entry (a crash, a full Pool queue) delays an execution by at most one
// sweep. The map is also the set of executions this process saw park (the
// parked gauge), those without a due time included.
type timers struct {
	mu sync.Mutex
	h  dueHeap
	// parked maps every execution parked here to the due time of its live
	// heap entry (Unix ns), or to 0 when it has none: it waits for a report
	// or a stop, or it was handed out and no run has taken it yet. Heap
	// entries whose time differs are stale.
	parked  map[Ref]int64
	waiting int           // the entries of parked with a due time
	kick    chan struct{} // an earlier due time than the one waited for was added
}

type dueEntry struct {
	at  int64 // Unix ns
	ref Ref
}

// dueHeap is a min-heap of entries by due time (container/heap).
type dueHeap []dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = dueEntry{}
	*h = old[:len(old)-1]
	return e
}

func newTimers() *timers {
	return &timers{parked: map[Ref]int64{}, kick: make(chan struct{}, 1)}
}

// add records ref as parked and due at due (zero: no due time), replacing
// an earlier add of ref.
func (t *timers) add(ref Ref, due time.Time) {
	var at int64
	if !due.IsZero() {
		at = due.UnixNano()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.parked[ref]
	if ok && old == at {
		return
	}
	t.set(ref, old, at)
	if at == 0 {
		return
	}
	heap.Push(&t.h, dueEntry{at: at, ref: ref})
	if t.h[0].ref == ref && t.h[0].at == at {
		select {
		case t.kick <- struct{}{}:
		default:
		}
	}
}

// set changes the due time of the parked ref from old to at; the caller
// holds t.mu.
func (t *timers) set(ref Ref, old, at int64) {
	if old != 0 {
		t.waiting--
	}
	if at != 0 {
		t.waiting++
	}
	t.parked[ref] = at
}

// park records the execution ref as parked until wake (zero: until a
// report or a stop), under a kept Ref (see refs).
func (s *Service) park(ref Ref, wake time.Time) {
	s.timers.add(s.refs.keep(ref), wake)
}

// remove forgets ref (a run took it over, or it was stopped); its heap
// entry becomes stale.
func (t *timers) remove(ref Ref) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if at, ok := t.parked[ref]; ok {
		t.set(ref, at, 0)
		delete(t.parked, ref)
	}
}

// popDue removes and returns the executions due at now, and the earliest
// due time left (zero when none). Stale entries are dropped on the way. A
// returned execution stays parked until a run takes it over.
func (t *timers) popDue(now time.Time) (refs []Ref, next time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.h) > 0 {
		e := t.h[0]
		if at, ok := t.parked[e.ref]; !ok || at != e.at {
			heap.Pop(&t.h)
			continue
		}
		if e.at > now.UnixNano() {
			return refs, time.Unix(0, e.at)
		}
		heap.Pop(&t.h)
		t.set(e.ref, e.at, 0)
		refs = append(refs, e.ref)
	}
	if len(t.h) == 0 && cap(t.h) > 1024 {
		t.h = nil // a burst's backing array is not kept
	}
	return refs, time.Time{}
}

// len returns how many executions are waiting for their due time.
func (t *timers) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waiting
}

// count returns how many executions are parked.
func (t *timers) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.parked)
}

// serveTimers enqueues parked executions as they fall due, until Close.
func (s *Service) serveTimers() {
	defer s.bg.Done()
	for {
		refs, next := s.timers.popDue(s.opts.Clock.Now())
		for _, ref := range refs {
			_ = s.opts.Enqueuer.Enqueue(s.base, ref) // on failure the sweep enqueues it
		}
		var wait <-chan time.Time
		if !next.IsZero() {
			wait = s.opts.Clock.After(next.Sub(s.opts.Clock.Now()))
		}
		select {
		case <-s.base.Done():
			return
		case <-s.timers.kick:
		case <-wait:
		}
	}
}

// pending collects the executions a Recover pass enqueues: the max oldest
// by start time (a heap whose root is the newest kept), so a pass holds a
// bounded number of them whatever the store holds.
type pending struct {
	max  int
	h    startHeap
	left bool // some were not kept
}

type startEntry struct {
	started time.Time
	ref     Ref
}

// startHeap is a max-heap by start time (container/heap).
type startHeap []startEntry

func (h startHeap) Len() int           { return len(h) }
func (h startHeap) Less(i, j int) bool { return h[i].started.After(h[j].started) }
func (h startHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *startHeap) Push(x any)        { *h = append(*h, x.(startEntry)) }
func (h *startHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// add keeps ref when it is among the max oldest seen so far.
func (p *pending) add(ref Ref, started time.Time) {
	if len(p.h) < max(p.max, 1) {
		heap.Push(&p.h, startEntry{started: started, ref: ref})
		return
	}
	p.left = true
	if started.Before(p.h[0].started) {
		p.h[0] = startEntry{started: started, ref: ref}
		heap.Fix(&p.h, 0)
	}
}

// sorted returns the kept executions, oldest start first (ties by key).
func (p *pending) sorted() []Ref {
	slices.SortFunc(p.h, func(a, b startEntry) int {
		if c := a.started.Compare(b.started); c != 0 {
			return c
		}
		return strings.Compare(a.ref.key(), b.ref.key())
	})
	refs := make([]Ref, len(p.h))
	for i, e := range p.h {
		refs[i] = e.ref
	}
	return refs
}
