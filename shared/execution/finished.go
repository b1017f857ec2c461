package execution

import (
	"sync"
	"time"
)

// finishedQueue holds the executions this service finished, oldest first,
// for Options.MaxFinished: a ring of at most that many entries.
type finishedQueue struct {
	mu      sync.Mutex
	ring    []finishedEntry
	head, n int
}

// finishedEntry names one finished execution; started tells it from a later
// execution of the same name.
type finishedEntry struct {
	ref     Ref
	started time.Time
}

// push adds e and returns the entry it displaces once the ring holds max
// entries.
func (q *finishedQueue) push(e finishedEntry, max int) (finishedEntry, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ring == nil {
		q.ring = make([]finishedEntry, max)
	}
	if q.n < len(q.ring) {
		q.ring[(q.head+q.n)%len(q.ring)] = e
		q.n++
		return finishedEntry{}, false
	}
	old := q.ring[q.head]
	q.ring[q.head] = e
	q.head = (q.head + 1) % len(q.ring)
	return old, true
}

// noteFinished records that e has just reached a terminal status. With
// Options.MaxFinished, once this service has finished more executions than
// that, the oldest of them is deleted with its history, as if its retention
// had ended (a record of that name started since is left alone).
func (s *Service) noteFinished(e *Execution) {
	if s.opts.MaxFinished <= 0 {
		return
	}
	old, full := s.finished.push(finishedEntry{ref: e.ref(), started: e.StartedTime}, s.opts.MaxFinished)
	if !full {
		return
	}
	ctx := s.base
	cur, err := s.getExecution(ctx, old.ref, "")
	if err != nil || !cur.Status.Terminal() || !cur.StartedTime.Equal(old.started) {
		return // gone already, or another execution of that name
	}
	if err := s.expire(ctx, cur); err != nil && ctx.Err() == nil {
		s.logger().Error("cloudflow: drop finished execution", "execution", old.ref.Name, "err", err)
	}
}
