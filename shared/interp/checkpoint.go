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
// from which Resume continues the execution. Only the top-level position is
// recorded: Parallel and Map states run their sub-scopes within one Step, so a
// resumed execution re-runs such a state from its start.
type Checkpoint struct {
	State        int             `json:"state"`                  // index of the next top-level state
	Input        json.RawMessage `json:"input"`                  // that state's raw input
	Global       json.RawMessage `json:"global"`                 // $Global
	RetryCount   int             `json:"retryCount,omitempty"`   // retries of the current entry
	RuleAttempts []int           `json:"ruleAttempts,omitempty"` // per Retry rule of the current entry
	RetryAt      time.Time       `json:"retryAt,omitzero"`       // earliest start of the next attempt
	StartedAt    time.Time       `json:"startedAt"`              // execution start, for the flow Timeout
	NextEventID  int64           `json:"nextEventId,omitempty"`  // next history EventId when recording
	// Wait is the submitted callback task or the Wait of state State, nil
	// when none.
	Wait *WaitCheckpoint `json:"wait,omitempty"`
}

// ErrFinished is returned by Checkpoint once the execution has finished.
var ErrFinished = errors.New("execution already finished")

// Checkpoint returns the Machine's current position. The error is ErrFinished
// once Done, or an encoding error.
func (m *Machine) Checkpoint() (Checkpoint, error) {
	if m.done {
		return Checkpoint{}, ErrFinished
	}
	in, err := value.Encode(m.fr.input)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint input: %w", err)
	}
	g, err := value.Encode(m.r.loadGlobal())
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint global: %w", err)
	}
	cp := Checkpoint{
		State: m.fr.cur, Input: in, Global: g, RetryCount: m.fr.retries,
		RuleAttempts: append([]int(nil), m.fr.ruleAttempts...), RetryAt: m.fr.retryAt, StartedAt: m.start,
	}
	if m.fr.wait != nil {
		if cp.Wait, err = m.fr.wait.checkpoint(); err != nil {
			return Checkpoint{}, err
		}
	}
	if m.r.hist != nil {
		m.r.hist.mu.Lock()
		cp.NextEventID = m.r.hist.nextID
		m.r.hist.mu.Unlock()
	}
	return cp, nil
}

// Resume rebuilds a Machine of f for ex at cp. The error wraps
// ErrBadCheckpoint when cp does not fit f.
func (e *Engine) Resume(f *flow.Flow, ex Execution, cp Checkpoint) (*Machine, error) {
	root := f.Root()
	if cp.State < 0 || cp.State >= len(root.States) {
		return nil, fmt.Errorf("%w: state index %d out of range", ErrBadCheckpoint, cp.State)
	}
	if n := len(root.States[cp.State].Retry); len(cp.RuleAttempts) > n || cp.RetryCount < 0 {
		return nil, fmt.Errorf("%w: retry counters do not fit state %q", ErrBadCheckpoint, root.States[cp.State].Name)
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
	if m.r.hist != nil && cp.NextEventID > 0 {
		m.r.hist.nextID = cp.NextEventID
	}
	return m, nil
}
