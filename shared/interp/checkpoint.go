package interp

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// Checkpoint is a Machine's position between two Steps, serialisable as JSON,
// from which Resume continues the execution: the top-level position and,
// when the current state is a Parallel or Map (or a legacy parallel,
// foreach or choice with inline steps) whose children did not all finish,
// its progress (Fan): which children finished and where each unfinished one
// stands, recursively.
type Checkpoint struct {
	State        int             `json:"state"`                  // index of the next top-level state
	Input        json.RawMessage `json:"input"`                  // that state's raw input
	Global       json.RawMessage `json:"global"`                 // $Global
	RetryCount   int             `json:"retryCount,omitempty"`   // retries of the current entry
	RuleAttempts []int           `json:"ruleAttempts,omitempty"` // per Retry rule of the current entry
	RetryAt      time.Time       `json:"retryAt,omitzero"`       // earliest start of the next attempt
	StartedAt    time.Time       `json:"startedAt"`              // execution start, for the flow Timeout
	NextEventID  int64           `json:"nextEventId,omitempty"`  // next history EventId when recording
	StepEventID  int64           `json:"stepEventId,omitempty"`  // EventId of state State's StepEntered
	// Running marks a checkpoint taken while a Step ran (Machine.Progress):
	// the execution is not waiting, whatever its fans' children do.
	Running bool `json:"running,omitempty"`
	// Wait is the submitted callback task or the Wait of state State, nil
	// when none.
	Wait *WaitCheckpoint `json:"wait,omitempty"`
	// Fan is the unfinished fan-out of state State, nil when none.
	Fan *FanCheckpoint `json:"fan,omitempty"`
}

// ErrFinished is returned by Checkpoint once the execution has finished.
var ErrFinished = errors.New("execution already finished")

// Checkpoint returns the Machine's current position. The error is ErrFinished
// once Done, or an encoding error.
func (m *Machine) Checkpoint() (Checkpoint, error) {
	if m.done {
		return Checkpoint{}, ErrFinished
	}
	cp, err := m.position()
	if err != nil {
		return Checkpoint{}, err
	}
	if m.fr.wait != nil {
		if cp.Wait, err = m.fr.wait.checkpoint(); err != nil {
			return Checkpoint{}, err
		}
	}
	if m.fr.fan != nil {
		if cp.Fan, err = m.r.fanCheckpoint(m.fr.fan); err != nil {
			return Checkpoint{}, err
		}
	}
	if m.r.hist != nil {
		cp.NextEventID = m.r.hist.peek()
	}
	return cp, nil
}

// position is the top-level part of a checkpoint: the frame without its
// wait or fan, $Global and the start time.
func (m *Machine) position() (Checkpoint, error) {
	in, err := value.Encode(m.fr.input)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint input: %w", err)
	}
	g, err := value.Encode(m.r.loadGlobal())
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint global: %w", err)
	}
	return Checkpoint{
		State: m.fr.cur, Input: in, Global: g, RetryCount: m.fr.retries,
		RuleAttempts: append([]int(nil), m.fr.ruleAttempts...), RetryAt: m.fr.retryAt, StartedAt: m.start,
		StepEventID: m.fr.entered,
	}, nil
}

// Resume rebuilds a Machine of f for ex at cp. The error wraps
// ErrBadCheckpoint when cp does not fit f.
func (e *Engine) Resume(f *flow.Flow, ex Execution, cp Checkpoint) (*Machine, error) {
	root := f.Root()
	if err := checkPosition(root, cp.State, cp.RetryCount, cp.RuleAttempts, cp.Wait != nil, cp.Fan != nil); err != nil {
		return nil, err
	}
	var execInput any = map[string]any{}
	if len(ex.Input) > 0 {
		v, err := value.Decode(ex.Input)
		if err != nil {
			return nil, fmt.Errorf("%w: execution input: %v", ErrBadCheckpoint, err)
		}
		execInput = v
	}
	in, err := value.Decode(cp.Input)
	if err != nil {
		return nil, fmt.Errorf("%w: input: %v", ErrBadCheckpoint, err)
	}
	g := map[string]any{}
	if len(cp.Global) > 0 {
		v, err := value.Decode(cp.Global)
		m, ok := v.(map[string]any)
		if err != nil || !ok {
			return nil, fmt.Errorf("%w: global is not an object", ErrBadCheckpoint)
		}
		g = m
	}
	m := newMachine(e, f)
	m.start = cp.StartedAt
	m.init(f, ex, execInput)
	m.r.global.Store(&g)
	m.fr.cur, m.fr.input, m.fr.retries, m.fr.retryAt = cp.State, in, cp.RetryCount, cp.RetryAt
	m.fr.entered = cp.StepEventID
	if len(cp.RuleAttempts) > 0 {
		m.fr.ruleAttempts = make([]int, len(root.States[cp.State].Retry))
		copy(m.fr.ruleAttempts, cp.RuleAttempts)
	}
	if cp.Wait != nil {
		w, err := cp.Wait.restore()
		if err != nil {
			return nil, err
		}
		m.fr.wait = w
	}
	if cp.Fan != nil {
		if err := m.r.restoreFan(&m.fr, cp.Fan); err != nil {
			return nil, err
		}
	}
	if m.r.hist != nil && cp.NextEventID > 0 {
		m.r.hist.nextID = cp.NextEventID
	}
	return m, nil
}

// checkPosition checks that a recorded position fits scope: the state
// index, the retry counters, and a callback task (wait) or fan-out (fan)
// only where the state can have one.
func checkPosition(scope *flow.Scope, state, retries int, ruleAttempts []int, wait, fan bool) error {
	if state < 0 || state >= len(scope.States) {
		return fmt.Errorf("%w: state index %d out of range", ErrBadCheckpoint, state)
	}
	st := scope.States[state]
	if len(ruleAttempts) > len(st.Retry) || retries < 0 {
		return fmt.Errorf("%w: retry counters do not fit state %q", ErrBadCheckpoint, st.Name)
	}
	for _, n := range ruleAttempts {
		if n < 0 {
			return fmt.Errorf("%w: retry counters do not fit state %q", ErrBadCheckpoint, st.Name)
		}
	}
	if wait && st.Type != flow.Task && st.Type != flow.Wait {
		return fmt.Errorf("%w: state %q has no callback task", ErrBadCheckpoint, st.Name)
	}
	if wait && fan {
		return fmt.Errorf("%w: state %q has both a callback task and a fan-out", ErrBadCheckpoint, st.Name)
	}
	return nil
}
