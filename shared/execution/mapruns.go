package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
)

// DefaultMapRunSaveInterval is how often a running map run's counts are
// written to the store.
const DefaultMapRunSaveInterval = 2 * time.Second

// MapRun is the record of one distributed-mode Map attempt (reference 2.3,
// 10.5, decisions 50 and 58). While the Map runs, the runner holding it keeps
// the live counts in memory (package maprun) and writes this record every
// Options.MapRunSaveInterval and when the Map ends; DescribeMapRun answers
// from memory when the run is in this process, from the record otherwise.
type MapRun struct {
	Name                      string        `json:"name"`
	FlowName                  string        `json:"flowName"`
	ExecutionName             string        `json:"executionName"`
	Status                    maprun.Status `json:"status"`
	Concurrency               int           `json:"concurrency"`
	ToleratedFailedCount      int           `json:"toleratedFailedCount"`
	ToleratedFailedPercentage float64       `json:"toleratedFailedPercentage"`
	ItemCounts                maprun.Counts `json:"itemCounts"`
	StartedTime               time.Time     `json:"startedTime"`
	StoppedTime               time.Time     `json:"stoppedTime,omitzero"`
}

// MapRunRef names a map run.
type MapRunRef struct {
	FlowName      string
	ExecutionName string
	MapRunName    string
}

// UpdateMapRunInput holds UpdateMapRun's parameters, checked for presence
// and range by the API layer; nil settings stay unchanged.
type UpdateMapRunInput struct {
	MapRunRef
	maprun.Settings
}

func mapRunPrefix(ref Ref) string {
	return "maprun/" + ref.Account + "/" + ref.FlowID + "/" + ref.Name + "/"
}

func mapRunKey(ref Ref, name string) string { return mapRunPrefix(ref) + name }

func (m *MapRun) apply(st maprun.State) {
	m.Name, m.Status, m.Concurrency = st.Name, st.Status, st.Concurrency
	m.ToleratedFailedCount, m.ToleratedFailedPercentage = st.ToleratedFailedCount, st.ToleratedFailedPercentage
	m.ItemCounts, m.StartedTime, m.StoppedTime = st.Counts, st.StartedTime.UTC(), st.StoppedTime.UTC()
}

func (m *MapRun) settings() maprun.Settings {
	return maprun.Settings{Concurrency: &m.Concurrency, ToleratedFailedCount: &m.ToleratedFailedCount,
		ToleratedFailedPercentage: &m.ToleratedFailedPercentage}
}

func sameSettings(a, b *MapRun) bool {
	return a.Concurrency == b.Concurrency && a.ToleratedFailedCount == b.ToleratedFailedCount &&
		a.ToleratedFailedPercentage == b.ToleratedFailedPercentage
}

// trackMapRun is the engine's Execution.OnMapRun for execution e: it
// registers the live run, stores its first record and saves it at intervals
// until it finishes.
func (s *Service) trackMapRun(e *Execution, run *maprun.Run) {
	ref := e.ref()
	st, _ := run.State()
	key := mapRunKey(ref, st.Name)
	rec := &MapRun{FlowName: e.FlowName, ExecutionName: e.Name}
	rec.apply(st)
	s.mu.Lock()
	s.mapRuns[key] = run
	s.mu.Unlock()
	val, err := json.Marshal(rec)
	if err == nil {
		_, err = s.store.PutIfAbsent(s.base, key, val)
	}
	if err != nil {
		s.logger().Warn("map run not stored", "mapRun", st.Name, "execution", e.Name, "error", err)
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.mapRuns, key)
			s.mu.Unlock()
		}()
		written := *rec
		for {
			final := false
			select {
			case <-run.Done():
				final = true
			case <-s.opts.Clock.After(s.opts.MapRunSaveInterval):
			case <-s.base.Done():
				return
			}
			if err := s.saveMapRun(key, run, &written); err != nil {
				s.logger().Warn("map run not saved", "mapRun", st.Name, "execution", e.Name, "error", err)
			}
			if final {
				return
			}
		}
	}()
}

// saveMapRun writes run's counts over the record at key. Settings another
// process changed in the record since written (an UpdateMapRun answered
// there) are applied to the run first.
func (s *Service) saveMapRun(key string, run *maprun.Run, written *MapRun) error {
	for range 3 {
		it, err := s.store.Get(s.base, key)
		if err != nil {
			return err
		}
		var cur MapRun
		if err := json.Unmarshal(it.Value, &cur); err != nil {
			return fmt.Errorf("decode map run %q: %w", key, err)
		}
		if !sameSettings(&cur, written) && cur.Status == maprun.Running {
			run.Update(cur.settings())
		}
		st, _ := run.State()
		cur.apply(st)
		val, err := json.Marshal(&cur)
		if err != nil {
			return err
		}
		_, err = s.store.CompareAndSwap(s.base, key, it.Version, val)
		if errors.Is(err, kv.ErrConditionFailed) {
			continue
		}
		if err == nil {
			*written = cur
		}
		return err
	}
	return &ResourceError{Err: ErrConflict, MapRun: written.Name, Flow: written.FlowName, Execution: written.ExecutionName}
}

// mapRun finds the execution named by r in the caller's account and, when
// the map run is live in this process, the run.
func (s *Service) mapRun(ctx context.Context, r MapRunRef) (key string, live *maprun.Run, e *Execution, err error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, r.FlowName)
	if err != nil {
		return "", nil, nil, err
	}
	if e, err = s.getExecution(ctx, Ref{Account: account, FlowID: f.ID, Name: r.ExecutionName}, f.Name); err != nil {
		return "", nil, nil, err
	}
	key = mapRunKey(e.ref(), r.MapRunName)
	s.mu.Lock()
	live = s.mapRuns[key]
	s.mu.Unlock()
	return key, live, e, nil
}

func (s *Service) storedMapRun(ctx context.Context, key string, r MapRunRef, e *Execution) (*MapRun, int64, error) {
	it, err := s.store.Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, 0, &ResourceError{Err: ErrMapRunNotFound, Flow: e.FlowName, Execution: e.Name, MapRun: r.MapRunName}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read map run %q: %w", r.MapRunName, err)
	}
	var m MapRun
	if err := json.Unmarshal(it.Value, &m); err != nil {
		return nil, 0, fmt.Errorf("decode map run %q: %w", r.MapRunName, err)
	}
	return &m, it.Version, nil
}

// DescribeMapRun returns a map run of the caller's execution with its
// current counts. It returns ResourceError(ErrFlowNotFound),
// ResourceError(ErrExecutionNotFound) or ResourceError(ErrMapRunNotFound).
func (s *Service) DescribeMapRun(ctx context.Context, r MapRunRef) (*MapRun, error) {
	key, live, e, err := s.mapRun(ctx, r)
	if err != nil {
		return nil, err
	}
	if live != nil {
		m := &MapRun{FlowName: e.FlowName, ExecutionName: e.Name}
		st, _ := live.State()
		m.apply(st)
		return m, nil
	}
	m, _, err := s.storedMapRun(ctx, key, r, e)
	return m, err
}

// UpdateMapRun changes the Concurrency and tolerated-failure settings of a
// running map run; items not yet started follow the new values. A map run
// running in another process gets them through its record, at that
// process's next save. It returns the errors of DescribeMapRun, an
// ArgumentError for a map run that has finished, or
// ResourceError(ErrConflict).
func (s *Service) UpdateMapRun(ctx context.Context, in UpdateMapRunInput) (*MapRun, error) {
	key, live, e, err := s.mapRun(ctx, in.MapRunRef)
	if err != nil {
		return nil, err
	}
	if live != nil {
		st := live.Update(in.Settings)
		if st.Status != maprun.Running {
			// Ended here: its final save may not have reached the record
			// yet, so the record must not be updated as if running.
			return nil, endedMapRun(in.MapRunName, st.Status)
		}
		m := &MapRun{FlowName: e.FlowName, ExecutionName: e.Name}
		m.apply(st)
		return m, nil
	}
	for range 3 {
		m, version, err := s.storedMapRun(ctx, key, in.MapRunRef, e)
		if err != nil {
			return nil, err
		}
		if m.Status != maprun.Running {
			return nil, endedMapRun(m.Name, m.Status)
		}
		if in.Concurrency != nil {
			m.Concurrency = *in.Concurrency
		}
		if in.ToleratedFailedCount != nil {
			m.ToleratedFailedCount = *in.ToleratedFailedCount
		}
		if in.ToleratedFailedPercentage != nil {
			m.ToleratedFailedPercentage = *in.ToleratedFailedPercentage
		}
		val, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		_, err = s.store.CompareAndSwap(ctx, key, version, val)
		if errors.Is(err, kv.ErrConditionFailed) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store map run %q: %w", m.Name, err)
		}
		return m, nil
	}
	return nil, &ResourceError{Err: ErrConflict, Flow: e.FlowName, Execution: e.Name, MapRun: in.MapRunName}
}

// flushEvents commits the events buffered so far in the middle of a step
// (the whole Map runs inside one step). A failed write leaves them buffered
// for the step's own commit.
func (s *Service) flushEvents(ctx context.Context, ref Ref, h *leaseHolder, buf *eventBuffer) {
	evs := buf.peek()
	if len(evs) == 0 {
		return
	}
	err := s.persist(ctx, ref, h, func(e *Execution) error { return s.commitEvents(ctx, ref, e, evs) })
	if err == nil {
		buf.drop(len(evs))
	}
}

// endedMapRun is UpdateMapRun's error for a map run that has ended.
func endedMapRun(name string, status maprun.Status) error {
	return invalid("MapRunName", "map run %s has already ended (%s); only a running map run can be updated.", name, status)
}
