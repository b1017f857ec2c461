package execution

import (
	"context"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// ParsedFlow is parse, for tests: the parsed definition of a flow version,
// from the cache when that version was parsed before.
func (s *Service) ParsedFlow(flowID, name string, mode flow.Mode, def string) (*flow.Flow, error) {
	return s.parse(flowID, name, mode, def)
}

// ParseCacheLen is how many parsed flow versions the cache holds.
func (s *Service) ParseCacheLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.parsed)
}

// CreateExecution stores e exactly as StartExecution's create does (the
// record and, where kept, its listing index entries) without resolving a
// flow or enqueueing a run: the listing benchmarks fill stores with it.
func (s *Service) CreateExecution(ctx context.Context, e *Execution) error {
	val, err := encodeExecution(e)
	if err != nil {
		return err
	}
	_, old, err := s.create(ctx, e, val)
	if err == nil && old != nil {
		err = fmt.Errorf("execution %q exists", e.Name)
	}
	return err
}

// StepWriter commits steps to one execution exactly as Run's persist does
// (the step's events appended by commitEvents, checkpoint and lease in one
// compareAndSwap of the record held in memory), without an engine: the
// history-length benchmark times it.
type StepWriter struct {
	s   *Service
	ref Ref
	h   *leaseHolder
}

// NewStepWriter takes the lease of the stored execution ref, as Run does.
func (s *Service) NewStepWriter(ctx context.Context, ref Ref) (*StepWriter, error) {
	now := s.now()
	e, err := s.updateExecution(ctx, ref, "", nil, func(e *Execution) (bool, error) {
		e.Status = Running
		e.Lease = Lease{Owner: s.runnerID, Until: now.Add(s.opts.LeaseDuration)}
		e.NextEventID = max(e.NextEventID, 1)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &StepWriter{s: s, ref: ref, h: &leaseHolder{cur: e}}, nil
}

// Step commits one step of n events (a Pass state's entered/exited pairs
// with their input and output as detail).
func (w *StepWriter) Step(ctx context.Context, n int) error {
	return w.s.persist(ctx, w.ref, w.h, func(e *Execution) error {
		evs := make([]Event, n)
		for i := range evs {
			evs[i] = Event{
				ID: e.NextEventID + int64(i), ScheduleID: e.NextEventID, Type: "StepEntered", StepName: "Step",
				Time: w.s.now(), Detail: `{"input":{"order":12345,"items":["a","b","c"]},"output":{"order":12345,"n":4}}`,
			}
		}
		return w.s.commitEvents(ctx, w.ref, e, evs)
	})
}

// Events is how many events the execution has committed.
func (w *StepWriter) Events() int64 { return w.h.cur.NextEventID - 1 }

// PoolRunning is how many workers of the default Pool run executions.
func (s *Service) PoolRunning() int { return s.pool.Running() }

// ParkedCount is how many executions this service has parked.
func (s *Service) ParkedCount() int { return s.timers.count() }
