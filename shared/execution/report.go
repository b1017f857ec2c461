package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/token"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// Sentinels of ReportTaskSucceeded and ReportTaskFailed; they reach callers
// inside a TaskError.
var (
	// ErrTaskCompleted means the token's task has already completed: it was
	// reported, timed out, superseded by a retry, or its execution ended.
	ErrTaskCompleted = errors.New("task already completed")
	// ErrTaskInvalidState means the token's task is not waiting for a report
	// yet (its submission is still being persisted); the caller may retry.
	ErrTaskInvalidState = errors.New("task not waiting for a report")
)

// TaskError reports a task token whose task cannot take the report. Token is
// the token as given; Err is ErrTaskCompleted or ErrTaskInvalidState.
type TaskError struct {
	Err   error
	Token string
}

func (e *TaskError) Error() string { return "task token: " + e.Err.Error() }

// Unwrap returns the sentinel.
func (e *TaskError) Unwrap() error { return e.Err }

// ReportSucceededInput holds ReportTaskSucceeded's parameters.
type ReportSucceededInput struct {
	TaskToken string
	Output    string // a JSON text; it becomes the task's $Output
}

// ReportFailedInput holds ReportTaskFailed's parameters.
type ReportFailedInput struct {
	TaskToken string
	Error     string
	Cause     string
}

// taskResult is what a report gives the waiting task.
type taskResult struct {
	output    any
	failed    bool
	err, note string
}

// ReportTaskSucceeded completes the waiting callback task named by the token
// with Output as its $Output, and wakes the execution's runner. It returns
// the EventId of the TaskSucceeded event. Errors: an ArgumentError for a
// malformed or unknown token or an Output that is not JSON, an AccessError
// for another account's token, TaskError(ErrTaskCompleted) and
// TaskError(ErrTaskInvalidState), ResourceError(ErrConflict).
func (s *Service) ReportTaskSucceeded(ctx context.Context, in ReportSucceededInput) (int64, error) {
	t, err := s.checkToken(ctx, in.TaskToken)
	if err != nil {
		return 0, err
	}
	out, err := value.Decode([]byte(in.Output))
	if err != nil {
		return 0, invalid("Output", "Output is not valid JSON.")
	}
	return s.report(ctx, t, in.TaskToken, taskResult{output: out})
}

// ReportTaskFailed fails the waiting callback task named by the token with
// error name Error and detail Cause (which Retry and Catch match), and wakes
// the execution's runner. It returns the EventId of the TaskFailed event.
// Errors as for ReportTaskSucceeded.
func (s *Service) ReportTaskFailed(ctx context.Context, in ReportFailedInput) (int64, error) {
	t, err := s.checkToken(ctx, in.TaskToken)
	if err != nil {
		return 0, err
	}
	return s.report(ctx, t, in.TaskToken, taskResult{failed: true, err: in.Error, note: in.Cause})
}

func (s *Service) checkToken(ctx context.Context, tok string) (token.Token, error) {
	t, err := token.Decode(tok)
	if err != nil {
		return token.Token{}, invalid("TaskToken", "TaskToken is not a task token issued by this service.")
	}
	if t.Account != accountOf(ctx) {
		return token.Token{}, &AccessError{Param: "TaskToken"}
	}
	return t, nil
}

// report records res for the task of t in one CompareAndSwap: it resumes the
// stored checkpoint, hands the result to the Machine (which records the
// task's closing event), stores the new checkpoint and the event, clears
// any lease (a runner still holding one loses its next write) and enqueues
// the runner.
func (s *Service) report(ctx context.Context, t token.Token, tok string, res taskResult) (int64, error) {
	if s.base.Err() != nil {
		return 0, ErrClosed
	}
	ref := Ref{Account: t.Account, FlowID: t.FlowID, Name: t.Execution}
	s.mu.Lock()
	p := s.live[ref.key()]
	s.mu.Unlock()
	if p != nil {
		// The execution runs here: a branch or iteration waiting while its
		// siblings run takes the report at once.
		id, err := p.deliver(ctx, tok, res)
		switch {
		case err == nil:
			return id, nil
		case errors.Is(err, interp.ErrAlreadyReported):
			return 0, &TaskError{Err: ErrTaskCompleted, Token: tok}
		case !errors.Is(err, interp.ErrNotWaiting) && !errors.Is(err, interp.ErrTokenMismatch):
			return 0, err
		}
		// Not waiting in a running step: report through the record.
	}
	var id int64
	e, err := s.updateExecution(ctx, ref, "", nil, func(e *Execution) (bool, error) {
		if e.Status.Terminal() {
			return false, &TaskError{Err: ErrTaskCompleted, Token: tok}
		}
		var w *interp.WaitCheckpoint
		if e.Checkpoint != nil {
			if e.Checkpoint.Running && e.Lease.heldBy("", s.now()) {
				// A runner is inside a Parallel or Map step; its waiting
				// branches take reports once the step parks.
				return false, &TaskError{Err: ErrTaskInvalidState, Token: tok}
			}
			w = e.Checkpoint.FindWait(tok)
		}
		switch {
		case w == nil && t.EventID >= e.NextEventID:
			// The task's submission is not persisted yet.
			return false, &TaskError{Err: ErrTaskInvalidState, Token: tok}
		case w == nil, w.Reported:
			// Reported, timed out, superseded by a retry, or dropped
			// with its Parallel or Map.
			return false, &TaskError{Err: ErrTaskCompleted, Token: tok}
		}
		parsed, err := s.parse(e.FlowID, e.FlowName, e.FlowMode, e.FlowDefinition)
		if err != nil {
			return false, fmt.Errorf("parse stored flow %q: %w", e.FlowName, err)
		}
		buf := &eventBuffer{}
		m, err := s.opts.Engine.Resume(parsed, s.interpExecution(e, buf), *e.Checkpoint)
		if err != nil {
			return false, fmt.Errorf("resume execution %q: %w", e.Name, err)
		}
		if res.failed {
			id, err = m.Fail(tok, res.err, res.note)
		} else {
			id, err = m.Complete(tok, res.output)
		}
		if err != nil {
			return false, &TaskError{Err: ErrTaskCompleted, Token: tok}
		}
		cp, err := m.Checkpoint()
		if err != nil {
			return false, fmt.Errorf("checkpoint execution %q: %w", e.Name, err)
		}
		e.Checkpoint, e.Lease, e.WakeAt = &cp, Lease{}, time.Time{}
		return true, s.commitEvents(ctx, ref, e, buf.take())
	})
	if errors.Is(err, ErrExecutionNotFound) {
		return 0, invalid("TaskToken", "TaskToken names no execution.")
	}
	if err != nil {
		return 0, err
	}
	if s.opts.Enqueuer.Enqueue(ctx, e.ref()) != nil {
		// The record holds the result; Recover (sweep) enqueues it again.
		return id, nil
	}
	return id, nil
}

// interpExecution is what the engine runs for the stored execution e,
// recording into rec and issuing task tokens of e.
func (s *Service) interpExecution(e *Execution, rec interp.Recorder) interp.Execution {
	account, flowID, name := e.Account, e.FlowID, e.Name
	ref := e.ref()
	return interp.Execution{
		Name: e.Name, Input: json.RawMessage(e.Input), RoleArn: e.RoleArn, Recorder: rec,
		LoadOutputs: func(ctx context.Context, sched, since int64) (map[int]json.RawMessage, error) {
			return s.loadOutputs(ctx, ref, sched, since)
		},
		NewTaskToken: func(eventID int64) (string, error) {
			t, err := token.New(s.opts.TokenRand, account, flowID, name, eventID)
			if err != nil {
				return "", err
			}
			return t.Encode()
		},
	}
}

// parkedUntil returns the wake-up time of the parked execution e (zero when
// only a report or a stop wakes it), and whether e is parked: it has a
// WakeAt, or its checkpoint waits in a Wait or in unreported callback tasks
// (at top level, or in every unfinished branch and iteration).
func parkedUntil(e *Execution) (wake time.Time, ok bool) {
	if !e.WakeAt.IsZero() {
		return e.WakeAt, true
	}
	if e.Checkpoint == nil {
		return time.Time{}, false
	}
	return e.Checkpoint.Waiting()
}

// Child → parent reports (reference 7.2, 7.5).

// parentRetries and parentRetryDelay bound how long a finished child keeps
// retrying a parent task that is not waiting yet (the parent's submission is
// still being persisted).
const (
	parentRetries    = 50
	parentRetryDelay = 100 * time.Millisecond
)

// reportParent reports the end of child e to the task whose token started
// it: succeeded → its output; failed → its Error and Cause; timed out →
// FnF.Timeout; stopped → the stop's Error, or FnF.ExecutionStopped. It runs
// in the background and gives up when the parent task has completed or is
// gone.
func (s *Service) reportParent(e *Execution) {
	if e.CallbackFnFTaskToken == "" || !e.Status.Terminal() {
		return
	}
	tok := e.CallbackFnFTaskToken
	t, err := token.Decode(tok)
	if err != nil {
		return
	}
	s.unlinkChild(s.base, e)
	res := taskResult{failed: true, err: e.Error, note: e.Cause}
	switch e.Status {
	case Succeeded:
		out, derr := value.Decode([]byte(e.Output))
		if derr != nil {
			out = map[string]any{}
		}
		res = taskResult{output: out}
	case TimedOut:
		res.err = interp.ErrorTimeout
	case Stopped:
		if res.err == "" {
			res.err = ErrorExecutionStopped
		}
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		for range parentRetries {
			_, err := s.report(s.base, t, tok, res)
			if !errors.Is(err, ErrTaskInvalidState) && !errors.Is(err, ErrConflict) {
				return
			}
			select {
			case <-s.base.Done():
				return
			case <-s.opts.Clock.After(parentRetryDelay):
			}
		}
	}()
}
