package interp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// waiting is a suspended top-level state: a submitted callback-mode task
// (reference 7.1, 7.2), which a report, its timeout or a stop ends, or a Wait
// state (token ""), which its due time or a stop ends.
type waiting struct {
	token    string    // the task token; "" for a Wait state's timer
	deadline time.Time // the Task Timeout or the Wait's due time on the engine clock; zero = none
	sched    int64     // EventId of the attempt's TaskScheduled
	entered  int64     // EventId of the state's StepEntered
	input    any       // the state's input after its InputConstructor

	reported bool   // the result below is set
	output   any    // the reported $Output when err is nil
	err      *Error // the reported or timeout error
	limit    bool   // recording the result hit the event limit
}

// Submitted is the result a TaskRunner returns for a WaitForSystemCallback
// task whose job it has started but that has not finished (a child
// execution started with the task token as its CallbackFnFTaskToken): the
// Machine then waits for Complete or Fail with TaskCall.TaskToken, as for
// WaitForCustomCallback. Any other result completes a WaitForSystemCallback
// task at once (a job the integration ran synchronously). The result of a
// WaitForCustomCallback task's runner is ignored: that task always waits.
//
// A Task inside a Parallel branch, a Map iteration, a legacy parallel or
// foreach, or a legacy choice's inline steps waits the same way: only its
// branch or iteration suspends, the siblings go on (see fan).
type Submitted struct{}

// issueToken builds the attempt's task token and exposes it as
// $Context.Current.TaskToken.
func (r *run) issueToken(fr *frame, st *flow.State, call *TaskCall) *failure {
	var id int64
	if r.hist != nil {
		id = r.hist.peek()
	}
	var tok string
	if r.newToken != nil {
		t, err := r.newToken(id)
		if err != nil {
			return fail(ErrorTaskFailed, "task %s: cannot issue a task token: %v", st.Name, err)
		}
		tok = t
	} else {
		tok = r.exec.Name + ":" + strconv.FormatInt(id, 10) + ":" + r.opts.UUID()
	}
	call.TaskToken = tok
	fr.ctx.Current.TaskToken = tok
	return nil
}

// submitted ends the submission of a callback task: a failed submission
// (f) is the attempt's failure, subject to Retry and Catch; a successful one
// suspends the Machine until the task is reported.
func (r *run) submitted(fr *frame, st *flow.State, call TaskCall, sched int64, in any, f *failure) *failure {
	if f != nil {
		if r.hist != nil && !f.abort {
			d := detail{Error: f.err.Name, Cause: f.err.Detail, has: hasError}
			if _, ok := r.hist.emit(TaskSubmitFailed, sched, st.Name, d); !ok {
				return limitFailure(r)
			}
			if _, ok := r.hist.emit(TaskFailed, sched, st.Name, d); !ok {
				return limitFailure(r)
			}
		}
		return f
	}
	if r.hist != nil {
		if _, ok := r.hist.emit(TaskSubmitted, sched, st.Name, detail{}); !ok {
			return limitFailure(r)
		}
	}
	w := &waiting{token: call.TaskToken, sched: sched, entered: fr.entered, input: in}
	if call.Timeout > 0 {
		w.deadline = r.opts.Clock.Now().Add(call.Timeout)
	}
	fr.wait = w
	return suspended
}

// stepWaiting is step while fr's state is suspended: a Wait or a callback
// task returns suspended while it has neither a result nor a passed
// deadline (a Wait's result is set by fire once a Step slept until it).
// Otherwise it finishes the state with the result.
func (r *run) stepWaiting(fr *frame) (done bool, out any, f *failure) {
	w := fr.wait
	switch {
	case w.reported:
	case w.deadline.IsZero() || r.opts.Clock.Now().Before(w.deadline):
		return false, nil, suspended
	case w.token == "":
		w.reported, w.output = true, w.input // a Wait's output is its input
	default:
		st := fr.scope.States[fr.cur]
		e := &Error{Name: st.TaskTimeoutName(), Detail: fmt.Sprintf("task %s was not reported within its Timeout", st.Name)}
		r.report(w, st.Name, TaskTimedOut, nil, e)
	}
	fr.wait = nil
	if w.limit {
		return false, nil, limitFailure(r)
	}
	st := fr.scope.States[fr.cur]
	fr.entered = w.entered
	if st.Legacy != nil {
		out, f := r.legacyResume(fr, st, w)
		return r.settle(fr, st, out, st.Next, f)
	}
	env := &fr.env
	env.Input, env.Output, env.Item = w.input, nil, nil
	env.Global = r.loadGlobal()
	fr.ctx.Current = eval.CurrentContext{Name: st.Name, Input: w.input, RetryCount: fr.retries}
	next := st.Next
	if w.err != nil {
		f = &failure{err: w.err, status: Failed}
	} else {
		out, next, f = r.finishAttempt(fr, st, w.input, w.output, next, w.token != "")
	}
	return r.settle(fr, st, out, next, f)
}

// report records a task's result and its history event, returning the
// event's EventId (0 when not recording).
func (r *run) report(w *waiting, step string, typ EventType, out any, e *Error) int64 {
	w.reported, w.output, w.err = true, out, e
	if r.hist == nil {
		return 0
	}
	d := detail{Output: out, has: hasOutput}
	if e != nil {
		d = detail{Error: e.Name, Cause: e.Detail, has: hasError}
	}
	id, ok := r.hist.emit(typ, w.sched, step, d)
	if !ok {
		w.limit = true
	}
	return id
}

// Waiting reports whether the Machine waits for callback reports: every
// unfinished part of it (the top-level state, or the branches and
// iterations of a Parallel or Map in progress) is suspended (see Parked),
// and at least one on a callback task that has no result yet and whose
// Timeout has not passed. token is the first such task's (in branch and
// item order), deadline the earliest Timeout of them all (zero when none
// has one); Pending lists every task. Step returns false at once while the
// Machine waits.
func (m *Machine) Waiting() (token string, deadline time.Time, ok bool) {
	if m.done || !m.r.blocked(&m.fr, m.r.nowFunc()) {
		return "", time.Time{}, false
	}
	ps := m.Pending()
	if len(ps) == 0 {
		return "", time.Time{}, false // only Waits and Retry intervals
	}
	for _, p := range ps {
		deadline = earliest(deadline, p.Deadline)
	}
	return ps[0].Token, deadline, true
}

// Pending is a submitted callback task without a result.
type Pending struct {
	Token    string
	Deadline time.Time // the Task Timeout on the engine clock; zero = none
}

// Pending lists the Machine's submitted callback tasks that have no result
// yet, in branch and item order.
func (m *Machine) Pending() []Pending {
	var ps []Pending
	if m.done {
		return nil
	}
	walkWaits(&m.fr, func(fr *frame) bool {
		if w := fr.wait; !w.reported && w.token != "" {
			ps = append(ps, Pending{Token: w.token, Deadline: w.deadline})
		}
		return true
	})
	return ps
}

// firstWait returns the first frame holding a callback task, nil when none.
func (m *Machine) firstWait() *frame {
	var first *frame
	walkWaits(&m.fr, func(fr *frame) bool {
		if fr.wait.token == "" {
			return true
		}
		first = fr
		return false
	})
	return first
}

// Parked reports whether the next Step would wait rather than work, and
// until when: every unfinished part of the Machine (the top-level state,
// or every unfinished branch and iteration of a Parallel or Map in
// progress, at any depth) is suspended on a callback task without a result
// (callback is true: Complete or Fail wakes it), a Wait state or a Retry
// interval. wake is when the next Step can move on without a report: the
// earliest of the tasks' Timeouts, the Waits' and retries' due times and
// the flow's Timeout; zero when only a report or a stop can. Before wake, a
// Step returns at once when a callback task waits and otherwise sleeps
// until the earliest Wait or retry is due, so a caller may either call Step
// or park the execution until wake: its Checkpoint records every due time,
// so a Machine resumed later (after a crash too) waits only what is left,
// and the parts not yet due stay suspended.
func (m *Machine) Parked() (wake time.Time, callback, ok bool) {
	if m.done || !m.r.blocked(&m.fr, m.r.nowFunc()) {
		return time.Time{}, false, false
	}
	s := summarize(&m.fr)
	return earliest(s.deadline, m.r.deadline), s.callback, true
}

// Complete reports the waiting task with token succeeded with output (its
// $Output, in the value model of package value). It records the
// TaskSucceeded event and returns its EventId (0 when not recording); the
// next Step continues the state. Errors: ErrNotWaiting, ErrTokenMismatch,
// ErrAlreadyReported.
func (m *Machine) Complete(token string, output any) (int64, error) {
	fr, err := m.pending(token)
	if err != nil {
		return 0, err
	}
	return m.r.report(fr.wait, fr.scope.States[fr.cur].Name, TaskSucceeded, output, nil), nil
}

// Fail reports the waiting task with token failed with error name and
// cause, which Retry and Catch then match. It records the TaskFailed event
// and returns its EventId (0 when not recording). Errors: ErrNotWaiting,
// ErrTokenMismatch, ErrAlreadyReported.
func (m *Machine) Fail(token, name, cause string) (int64, error) {
	fr, err := m.pending(token)
	if err != nil {
		return 0, err
	}
	return m.r.report(fr.wait, fr.scope.States[fr.cur].Name, TaskFailed, nil, &Error{Name: name, Detail: cause}), nil
}

// pending finds the frame whose callback task has token.
func (m *Machine) pending(token string) (*frame, error) {
	if m.done {
		return nil, ErrNotWaiting
	}
	var found *frame
	any := false
	walkWaits(&m.fr, func(fr *frame) bool {
		if fr.wait.token == "" {
			return true // a Wait state's timer takes no report
		}
		any = true
		if fr.wait.token == token {
			found = fr
			return false
		}
		return true
	})
	switch {
	case !any:
		return nil, ErrNotWaiting
	case found == nil:
		return nil, ErrTokenMismatch
	case found.wait.reported:
		return nil, ErrAlreadyReported
	}
	return found, nil
}

// WaitCheckpoint is the suspended state of a Checkpoint: a pending callback
// task, or a Wait state (Token "", Deadline its due time).
type WaitCheckpoint struct {
	Token           string          `json:"token"`
	Deadline        time.Time       `json:"deadline,omitzero"`
	ScheduleEventID int64           `json:"scheduleEventId,omitempty"`
	StepEventID     int64           `json:"stepEventId,omitempty"`
	Input           json.RawMessage `json:"input"` // the state input after its InputConstructor
	Reported        bool            `json:"reported,omitempty"`
	Output          json.RawMessage `json:"output,omitempty"` // reported $Output when Error is ""
	Failed          bool            `json:"failed,omitempty"` // the result is the error below
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
	LimitHit        bool            `json:"limitHit,omitempty"`
}

func (w *waiting) checkpoint() (*WaitCheckpoint, error) {
	in, err := value.Encode(w.input)
	if err != nil {
		return nil, fmt.Errorf("checkpoint task input: %w", err)
	}
	c := &WaitCheckpoint{
		Token: w.token, Deadline: w.deadline, ScheduleEventID: w.sched, StepEventID: w.entered,
		Input: in, Reported: w.reported, LimitHit: w.limit,
	}
	switch {
	case w.err != nil:
		c.Failed, c.Error, c.Cause = true, w.err.Name, w.err.Detail
	case w.reported:
		if c.Output, err = value.Encode(w.output); err != nil {
			return nil, fmt.Errorf("checkpoint task output: %w", err)
		}
	}
	return c, nil
}

func (c *WaitCheckpoint) restore() (*waiting, error) {
	in, err := value.Decode(c.Input)
	if err != nil {
		return nil, fmt.Errorf("%w: task input: %v", ErrBadCheckpoint, err)
	}
	w := &waiting{
		token: c.Token, deadline: c.Deadline, sched: c.ScheduleEventID, entered: c.StepEventID,
		input: in, reported: c.Reported, limit: c.LimitHit,
	}
	switch {
	case c.Failed:
		w.err = &Error{Name: c.Error, Detail: c.Cause}
	case c.Reported:
		if w.output, err = value.Decode(c.Output); err != nil {
			return nil, fmt.Errorf("%w: task output: %v", ErrBadCheckpoint, err)
		}
	}
	return w, nil
}
