package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/token"
)

// StartInput holds StartExecution's and StartSyncExecution's parameters,
// already checked for presence and shape by the API layer.
type StartInput struct {
	FlowName             string
	ExecutionName        string // "" means generated
	Input                string // a JSON object as text; "" means {}
	CallbackFnFTaskToken string
	Qualifier            string
}

// DescribeInput holds DescribeExecution's parameters.
type DescribeInput struct {
	FlowName      string
	ExecutionName string
	Wait          time.Duration // long-poll up to this long for a terminal status
}

// StopInput holds StopExecution's parameters.
type StopInput struct {
	FlowName      string
	ExecutionName string
	Error         string
	Cause         string
}

// ListInput holds ListExecutions' parameters.
type ListInput struct {
	FlowName         string
	Limit            int    // 1..100
	NextToken        string // name of the first execution to return
	Status           Status // "" means any
	NamePrefix       string
	StartedTimeBegin time.Time // zero means unbounded
	StartedTimeEnd   time.Time // zero means unbounded
	// Qualifier keeps executions started with it: a version number matches
	// the version they ran (whether named directly or picked by an alias),
	// an alias name matches executions started through that alias. "" means
	// any.
	Qualifier string
}

// StartExecution starts a Standard execution, or returns the unfinished
// execution of the same name. A Qualifier selects what runs (see resolve):
// the execution snapshots that version and records it in FlowVersion. It
// returns ResourceError(ErrFlowNotFound), ModeError for an Express flow, an
// ArgumentError for an unknown Qualifier version or alias, and
// ResourceError(ErrExecutionExists) when an execution of that name has
// ended.
func (s *Service) StartExecution(ctx context.Context, in StartInput) (*Execution, error) {
	account := accountOf(ctx)
	// Parameter validity precedes resource lookup.
	if err := checkCallbackToken(in.CallbackFnFTaskToken, account); err != nil {
		return nil, err
	}
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, err
	}
	tgt, err := s.resolve(ctx, account, f, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if f.ExecutionMode == flow.Express {
		return nil, &ModeError{Flow: f.Name, Mode: flow.Express}
	}
	if s.base.Err() != nil {
		return nil, ErrClosed
	}
	name := in.ExecutionName
	if name == "" {
		name = s.opts.NewID()
	}
	e := &Execution{
		Name: name, FlowName: f.Name, FlowID: f.ID, Account: account,
		FlowDefinition: tgt.def, FlowMode: f.ExecutionMode, RoleArn: tgt.role,
		Environment: tgt.env, Input: in.Input, Status: Starting, StartedTime: s.now(),
		CallbackFnFTaskToken: in.CallbackFnFTaskToken, Qualifier: in.Qualifier, FlowVersion: tgt.version,
		NextEventID: 1, TraceParent: traceParent(ctx),
	}
	if err := s.saveSnapshot(ctx, e); err != nil {
		return nil, err
	}
	val, err := encodeExecution(e)
	if err != nil {
		return nil, err
	}
	// The link to a waiting parent comes first, so that a parent stopped
	// from now on stops this child too (decision 32).
	if err := s.linkChild(ctx, in.CallbackFnFTaskToken, f.Name, e.ref()); err != nil {
		return nil, fmt.Errorf("link execution %q to its parent: %w", name, err)
	}
	it, old, err := s.create(ctx, e, val)
	if err != nil {
		return nil, err
	}
	if old != nil {
		if old.Status.Terminal() {
			return nil, &ResourceError{Err: ErrExecutionExists, Flow: f.Name, Execution: name}
		}
		return old, s.resolveSnapshot(ctx, old)
	}
	e.version = it.Version
	s.logStart(ctx, e)
	if err := s.opts.Enqueuer.Enqueue(ctx, e.ref()); err != nil {
		// The record stays Starting; Recover (sweep) enqueues it again.
		return e, nil //nolint:nilerr // the execution exists and will be recovered
	}
	return e, nil
}

// create stores the new execution e (encoded as val) unless its name is
// taken. It returns the stored item, or the existing record of that name
// (old). An expired record does not take the name: it is replaced with a
// CompareAndSwap on the version read, after its history chunks are
// deleted, so that of any number of concurrent starters exactly one
// creates the execution and the others find it.
func (s *Service) create(ctx context.Context, e *Execution, val []byte) (it kv.Item, old *Execution, err error) {
	ref := e.ref()
	idx, err := indexChange(nil, e)
	if err != nil {
		return kv.Item{}, nil, err
	}
	err = kv.Retry(ctx, func() (bool, error) {
		old = nil
		err := s.apply(ctx, kv.Op{Kind: kv.OpCreate, Key: ref.key(), Value: val}, idx)
		if err == nil {
			it = kv.Item{Key: ref.key(), Value: val, Version: 1}
			if _, ttl := s.store.(expiringStore); ttl {
				// The store's TTL may have removed an expired record of
				// this name but not its history chunks.
				return false, s.deleteHistory(ctx, ref)
			}
			return false, nil
		}
		if !errors.Is(err, kv.ErrConditionFailed) {
			return false, fmt.Errorf("store execution %q: %w", e.Name, err)
		}
		if it, err = s.store.Get(ctx, ref.key()); errors.Is(err, kv.ErrNotFound) {
			return true, nil // deleted since: try again
		} else if err != nil {
			return false, fmt.Errorf("load execution %q: %w", e.Name, err)
		}
		if old, err = decodeExecution(it); err != nil {
			return false, err
		}
		if !old.expired(s.opts.Clock.Now()) {
			return false, nil
		}
		if err := s.deleteHistory(ctx, ref); err != nil {
			return false, err
		}
		prev := old
		old = nil
		replace, err := indexChange(prev, e)
		if err != nil {
			return false, err
		}
		err = s.apply(ctx, kv.Op{Kind: kv.OpSwap, Key: ref.key(), Version: it.Version, Value: val}, replace)
		if errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrNotFound) {
			// Another starter replaced it, or Recover deleted it: look
			// again.
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("store execution %q: %w", e.Name, err)
		}
		it = kv.Item{Key: ref.key(), Value: val, Version: prev.version + 1}
		return false, nil
	})
	if err != nil {
		return kv.Item{}, nil, conflict(err, e.FlowName, e.Name)
	}
	return it, old, nil
}

// StartSync runs an Express execution inside the call and returns how it
// ended (Status, Output, Error, Cause). The run is bounded by the flow's
// Timeout, Options.MaxSyncDuration and ctx's deadline less
// Options.SyncMargin; running out of time ends it TimedOut with
// FnF.Timeout. The execution is not stored. It returns
// ResourceError(ErrFlowNotFound), ModeError for a Standard flow, or an
// ArgumentError for an unknown Qualifier version or alias.
func (s *Service) StartSync(ctx context.Context, in StartInput) (*Execution, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, err
	}
	tgt, err := s.resolve(ctx, account, f, in.Qualifier)
	if err != nil {
		return nil, err
	}
	if f.ExecutionMode != flow.Express {
		return nil, &ModeError{Flow: f.Name, Mode: flow.Standard}
	}
	parsed, err := s.parse(f.ID, f.Name, f.ExecutionMode, tgt.def)
	if err != nil {
		return nil, fmt.Errorf("parse stored flow %q: %w", f.Name, err)
	}
	base := in.ExecutionName
	if base == "" {
		base = s.opts.NewID()
	}
	e := &Execution{
		Name: base + ":" + s.opts.NewID(), FlowName: f.Name, FlowID: f.ID, Account: account,
		FlowDefinition: tgt.def, FlowMode: f.ExecutionMode, RoleArn: tgt.role,
		Environment: tgt.env, Input: in.Input, Status: Running, StartedTime: s.now(),
		Qualifier: in.Qualifier, FlowVersion: tgt.version,
	}
	limit := s.opts.MaxSyncDuration
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, dl.Sub(s.opts.Clock.Now())-s.opts.SyncMargin)
	}
	s.logStart(ctx, e)
	ctx, span := s.startRunSpan(ctx, e)
	var res interp.Result
	if limit <= 0 {
		res = interp.Result{Status: interp.TimedOut, Error: interp.ErrorTimeout, Cause: "the invocation deadline leaves no time to run the execution"}
	} else {
		runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
		stop := context.AfterFunc(ctx, cancel) // a gone client stops the run
		res = s.opts.Engine.Run(runCtx, parsed, interp.Execution{Name: e.Name, Input: json.RawMessage(in.Input), RoleArn: tgt.role})
		stop()
		cancel()
	}
	finish(e, res, s.now())
	endRunSpan(span, e, false)
	s.logEnd(ctx, e)
	return e, nil
}

// finish records a run's result in e.
func finish(e *Execution, res interp.Result, now time.Time) {
	e.Status = Status(res.Status)
	if !e.Status.Terminal() {
		e.Status = Failed
	}
	e.StoppedTime = now
	e.Output = ""
	if e.Status == Succeeded {
		e.Output = string(res.Output)
		if e.Output == "" {
			e.Output = "{}"
		}
	}
	e.Error, e.Cause = res.Error, res.Cause
	if e.Status == TimedOut && e.Error == "" {
		e.Error = interp.ErrorTimeout
	}
}

// DescribeExecution returns an execution of the caller's flow. With a
// positive in.Wait it waits until the execution reaches a terminal status or
// the wait ends (or ctx is done), then answers with the current record. It
// returns ResourceError(ErrFlowNotFound) or
// ResourceError(ErrExecutionNotFound).
func (s *Service) DescribeExecution(ctx context.Context, in DescribeInput) (*Execution, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, err
	}
	ref := Ref{Account: account, FlowID: f.ID, Name: in.ExecutionName}
	var deadline <-chan time.Time
	if in.Wait > 0 {
		deadline = s.opts.Clock.After(in.Wait)
	}
	for {
		e, err := s.getExecution(ctx, ref, f.Name)
		if err != nil || e.Status.Terminal() || in.Wait <= 0 {
			return e, err
		}
		// Watch, then read again, so a change between the reads is not
		// missed; only unfinished executions get a watcher entry.
		changed := s.watch(ref.key())
		if e, err = s.getExecution(ctx, ref, f.Name); err != nil || e.Status.Terminal() {
			return e, err
		}
		select {
		case <-changed:
		case <-s.opts.Clock.After(s.opts.PollInterval):
		case <-deadline:
			return s.getExecution(ctx, ref, f.Name)
		case <-ctx.Done():
			return e, nil
		}
	}
}

// StopExecution moves an unfinished execution to Stopped, recording Error
// and Cause, and cancels its in-process run. The child executions it waits
// for (started with its task tokens as CallbackFnFTaskToken) are stopped
// with the same Error and Cause (decision 32). It returns
// ResourceError(ErrFlowNotFound), ResourceError(ErrExecutionNotFound),
// ResourceError(ErrExecutionCompleted) or ResourceError(ErrConflict).
func (s *Service) StopExecution(ctx context.Context, in StopInput) (*Execution, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, err
	}
	return s.stop(ctx, Ref{Account: account, FlowID: f.ID, Name: in.ExecutionName}, f.Name, nil, in.Error, in.Cause)
}

func (s *Service) stop(ctx context.Context, ref Ref, flowName string, cur *Execution, errName, cause string) (*Execution, error) {
	e, err := s.updateExecution(ctx, ref, flowName, cur, func(e *Execution) (bool, error) {
		if e.Status.Terminal() {
			return false, &ResourceError{Err: ErrExecutionCompleted, Flow: flowName, Execution: ref.Name}
		}
		e.Status, e.StoppedTime, e.Output = Stopped, s.now(), ""
		e.Error, e.Cause = errName, cause
		e.Checkpoint, e.Lease = nil, Lease{}
		return true, s.appendExecutionEvent(ctx, ref, e, interp.ExecutionStopped, errName, cause)
	})
	if err != nil {
		return nil, err
	}
	s.timers.remove(ref)
	s.logEnd(ctx, e)
	s.mu.Lock()
	cancel := s.running[ref.key()]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.reportParent(e)
	s.stopChildren(ctx, ref, errName, cause)
	return e, nil
}

// ListExecutions returns up to in.Limit executions of the caller's flow,
// newest first then by name, starting at in.NextToken, and the name of the
// next one ("" on the last page). NextToken is a position: the listing
// resumes at the place the named execution has in that order, whether or
// not it still matches the filters. It walks the flow's listing index (by
// start time, or by status and start time with in.Status) from that
// position, so a page costs O(page) plus the entries the other filters
// skip; with NamePrefix it also reads the executions whose names have the
// prefix, and answers with whichever read ends first (see indexList). It returns ResourceError(ErrFlowNotFound),
// or an ArgumentError for an unknown Qualifier version or alias or when
// NextToken names no execution of the flow.
func (s *Service) ListExecutions(ctx context.Context, in ListInput) ([]*Execution, string, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, "", err
	}
	if err := s.checkQualifier(ctx, account, f, in.Qualifier); err != nil {
		return nil, "", err
	}
	var at *Execution // the execution NextToken names
	if in.NextToken != "" {
		at, err = s.getExecution(ctx, Ref{Account: account, FlowID: f.ID, Name: in.NextToken}, f.Name)
		if errors.Is(err, ErrExecutionNotFound) {
			return nil, "", invalid("NextToken", "NextToken %s names no execution of flow %s.", in.NextToken, f.Name)
		}
		if err != nil {
			return nil, "", err
		}
	}
	var all []*Execution
	if f.ExecIndex < listIndexVersion {
		all, err = s.scanList(ctx, account, f, in, at)
	} else {
		all, err = s.indexList(ctx, account, f, in, at)
	}
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(all) > in.Limit {
		all, next = all[:in.Limit], all[in.Limit].Name
	}
	for _, e := range all {
		if err := s.resolveSnapshot(ctx, e); err != nil {
			return nil, "", err
		}
	}
	return all, next, nil
}

// listedBefore reports whether ListExecutions lists a before b: newest
// first, then by name.
func listedBefore(a, b *Execution) bool {
	if !a.StartedTime.Equal(b.StartedTime) {
		return a.StartedTime.After(b.StartedTime)
	}
	return a.Name < b.Name
}

// checkCallbackToken checks StartExecution.CallbackFnFTaskToken: it must be
// a task token (else an ArgumentError) of the caller's account (else
// ErrAccessDenied). The parent task it names is looked up when the child
// reports back, not here.
func checkCallbackToken(tok, account string) error {
	if tok == "" {
		return nil
	}
	t, err := token.Decode(tok)
	if err != nil {
		return invalid("CallbackFnFTaskToken", "CallbackFnFTaskToken is not a task token issued by this service.")
	}
	if t.Account != account {
		return &AccessError{Param: "CallbackFnFTaskToken"}
	}
	return nil
}
