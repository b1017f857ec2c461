package interp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// FanCheckpoint is the progress of a Parallel, Map, legacy parallel,
// foreach, or legacy choice with inline steps whose children did not all
// finish: children start in index order, so those below Started that are
// not in Children have finished. Their outputs are in Outputs, or, when the
// execution has Execution.LoadOutputs, only in the recorded history (the
// last BranchExited or IterationExited event per index whose
// ScheduleEventId is StepEventID and whose EventId is at least Since), so a
// Map of many items does not copy every finished output into every
// checkpoint.
type FanCheckpoint struct {
	StepEventID int64             `json:"stepEventId,omitempty"` // the state's StepEntered
	Since       int64             `json:"since,omitempty"`       // the attempt's first child event
	Input       json.RawMessage   `json:"input"`                 // the state input after its InputConstructor (legacy: the step input)
	Items       json.RawMessage   `json:"items,omitempty"`       // Map and foreach items
	MapRun      string            `json:"mapRun,omitempty"`      // a distributed Map's MapRunName
	Choice      *int              `json:"choice,omitempty"`      // legacy choice: the branch whose steps run, -1 = default
	Started     int               `json:"started"`
	Total       int64             `json:"total,omitempty"` // encoded size of the output so far
	Outputs     []json.RawMessage `json:"outputs,omitempty"`
	Children    []ChildCheckpoint `json:"children,omitempty"`
}

// ChildCheckpoint is where one started, unfinished child of a fan stands.
type ChildCheckpoint struct {
	Index int `json:"index"`
	// Fresh marks a child that had started but not yet entered its first
	// state: it starts again from its beginning.
	Fresh        bool            `json:"fresh,omitempty"`
	State        int             `json:"state"`
	Input        json.RawMessage `json:"input"` // legacy: the scope's $local
	RetryCount   int             `json:"retryCount,omitempty"`
	RuleAttempts []int           `json:"ruleAttempts,omitempty"`
	RetryAt      time.Time       `json:"retryAt,omitzero"`
	StepEventID  int64           `json:"stepEventId,omitempty"`
	Wait         *WaitCheckpoint `json:"wait,omitempty"`
	Fan          *FanCheckpoint  `json:"fan,omitempty"`
}

// outputsInHistory reports whether finished children's outputs are left
// to the history (see FanCheckpoint).
func (r *run) outputsInHistory() bool { return r.loadOut != nil && r.hist != nil }

func (r *run) fanCheckpoint(fn *fan) (*FanCheckpoint, error) {
	in, err := value.Encode(fn.in)
	if err != nil {
		return nil, fmt.Errorf("checkpoint fan input: %w", err)
	}
	fc := &FanCheckpoint{StepEventID: fn.entered, Since: fn.since, Input: in, Started: fn.started, Total: fn.total}
	if fn.items != nil {
		if fc.Items, err = value.Encode(fn.items); err != nil {
			return nil, fmt.Errorf("checkpoint fan items: %w", err)
		}
	}
	if fn.mapRun != nil {
		st, _ := fn.mapRun.State()
		fc.MapRun = st.Name
	}
	if fn.kind == fanLegacyChoice {
		c := fn.choice
		fc.Choice = &c
	}
	inline := !r.outputsInHistory()
	if inline {
		fc.Outputs = make([]json.RawMessage, fn.started)
	}
	for i := range fn.started {
		k := fn.kids[i]
		if b, running := fn.inflight[i]; running && k == nil {
			cc, err := b.checkpoint(i)
			if err != nil {
				return nil, err
			}
			fc.Children = append(fc.Children, cc)
			continue
		}
		if k == nil {
			if inline {
				if fc.Outputs[i], err = value.Encode(fn.outs[i]); err != nil {
					return nil, fmt.Errorf("checkpoint fan output: %w", err)
				}
			}
			continue
		}
		cc, err := r.childCheckpoint(i, k)
		if err != nil {
			return nil, err
		}
		fc.Children = append(fc.Children, cc)
	}
	return fc, nil
}

func (r *run) childCheckpoint(i int, k *frame) (ChildCheckpoint, error) {
	if k.fresh {
		return ChildCheckpoint{Index: i, Fresh: true}, nil
	}
	in, err := value.Encode(k.input)
	if err != nil {
		return ChildCheckpoint{}, fmt.Errorf("checkpoint child input: %w", err)
	}
	cc := ChildCheckpoint{
		Index: i, State: k.cur, Input: in, RetryCount: k.retries,
		RuleAttempts: append([]int(nil), k.ruleAttempts...), RetryAt: k.retryAt, StepEventID: k.entered,
	}
	if k.wait != nil {
		if cc.Wait, err = k.wait.checkpoint(); err != nil {
			return ChildCheckpoint{}, err
		}
	}
	if k.fan != nil {
		if cc.Fan, err = r.fanCheckpoint(k.fan); err != nil {
			return ChildCheckpoint{}, err
		}
	}
	return cc, nil
}

// restoreFan rebuilds the fan of fr's current state from fc.
func (r *run) restoreFan(fr *frame, fc *FanCheckpoint) error {
	st := fr.scope.States[fr.cur]
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: state %q: %s", ErrBadCheckpoint, st.Name, fmt.Sprintf(format, args...))
	}
	in, err := value.Decode(fc.Input)
	if err != nil {
		return bad("fan input: %v", err)
	}
	var items []any
	if len(fc.Items) > 0 {
		v, err := value.Decode(fc.Items)
		a, ok := v.([]any)
		if err != nil || !ok {
			return bad("fan items are not an array")
		}
		items = a
	}
	var kind fanKind
	n, conc := len(st.Branches), len(st.Branches)
	switch {
	case st.Type == flow.Parallel && st.Legacy != nil:
		kind = fanLegacyParallel
	case st.Type == flow.Parallel:
		kind = fanParallel
	case st.Type == flow.Map && items != nil:
		kind, n, conc = fanMap, len(items), r.mapConcurrency(st)
		if st.Legacy != nil {
			kind, conc = fanLegacyForeach, st.MaxConcurrency
		}
	case st.Type == flow.Choice && st.Legacy != nil && fc.Choice != nil && *fc.Choice >= -1 && *fc.Choice < len(st.Choices) && choiceSteps(st, *fc.Choice) != nil:
		kind, n, conc = fanLegacyChoice, 1, 1
	default:
		return bad("no fan-out fits this state")
	}
	if fc.Started < 0 || fc.Started > n || len(fc.Outputs) > fc.Started {
		return bad("fan counters out of range")
	}
	saved := fr.entered
	fr.entered = fc.StepEventID
	fn := r.newFan(fr, kind, in, items, n, conc)
	fr.entered = saved
	fn.since, fn.started, fn.total = fc.Since, fc.Started, fc.Total
	if st.Type == flow.Map && st.Legacy == nil {
		fn.noGlobal = fr.noGlobal || st.Distributed
	}
	if kind == fanLegacyChoice {
		fn.choice = *fc.Choice
		if fn.choice < 0 {
			fn.next = st.Default
		} else {
			fn.next = st.Choices[fn.choice].Next
		}
	}
	for _, cc := range fc.Children {
		if cc.Index < 0 || cc.Index >= fc.Started || fn.kids[cc.Index] != nil {
			return bad("child index %d out of range or repeated", cc.Index)
		}
		k := &frame{fresh: cc.Fresh}
		if !cc.Fresh {
			r.initChild(st, fn, cc.Index, k)
			if err := r.restoreChild(k, &cc); err != nil {
				return err
			}
		}
		fn.kids[cc.Index] = k
	}
	finished := fc.Started - len(fc.Children)
	switch {
	case len(fc.Outputs) > 0 || finished == 0:
		for i, o := range fc.Outputs {
			if fn.kids[i] != nil {
				continue
			}
			if fn.outs[i], err = value.Decode(o); err != nil {
				return bad("output %d: %v", i, err)
			}
		}
	case r.loadOut == nil:
		return bad("the outputs of finished children are not in the checkpoint")
	default:
		fn.fromHistory = make([]bool, fc.Started)
		for i := range fc.Started {
			fn.fromHistory[i] = fn.kids[i] == nil
		}
		fn.missing = true
	}
	if st.Type == flow.Map && st.Distributed && fc.MapRun != "" {
		fr.mapRun = fc.MapRun
		fn.mapRun = maprun.Restore(fc.MapRun, n, st.MaxConcurrency, r.opts.Clock.Now(), finished)
		if r.onMapRun != nil {
			r.onMapRun(fn.mapRun)
		}
	}
	return nil
}

// restoreChild puts k, prepared by initChild, at the position cc.
func (r *run) restoreChild(k *frame, cc *ChildCheckpoint) error {
	if err := checkPosition(k.scope, cc.State, cc.RetryCount, cc.RuleAttempts, cc.Wait != nil, cc.Fan != nil); err != nil {
		return err
	}
	in, err := value.Decode(cc.Input)
	if err != nil {
		return fmt.Errorf("%w: child input: %v", ErrBadCheckpoint, err)
	}
	k.cur, k.input, k.retries, k.retryAt, k.entered = cc.State, in, cc.RetryCount, cc.RetryAt, cc.StepEventID
	if len(cc.RuleAttempts) > 0 {
		k.ruleAttempts = make([]int, len(k.scope.States[cc.State].Retry))
		copy(k.ruleAttempts, cc.RuleAttempts)
	}
	if cc.Wait != nil {
		if k.wait, err = cc.Wait.restore(); err != nil {
			return err
		}
	}
	if cc.Fan != nil {
		return r.restoreFan(k, cc.Fan)
	}
	return nil
}

// loadOutputs reads the outputs of the children that finished before the
// execution was resumed from the history (Execution.LoadOutputs); a
// finished child without an exited event (a tolerated distributed item
// failure) has a null output.
func (r *run) loadOutputs(ctx context.Context, fn *fan) *failure {
	got, err := r.loadOut(ctx, fn.entered, fn.since)
	if err != nil {
		return &failure{err: &Error{Name: ErrorInvalidCheckpoint, Detail: fmt.Sprintf("cannot read the outputs of finished branches or iterations: %v", err)}, status: Failed, fatal: true}
	}
	for i, want := range fn.fromHistory {
		if !want {
			continue
		}
		raw, ok := got[i]
		if !ok {
			continue
		}
		v, err := value.Decode(raw)
		if err != nil {
			return &failure{err: &Error{Name: ErrorInvalidCheckpoint, Detail: fmt.Sprintf("output %d in the history: %v", i, err)}, status: Failed, fatal: true}
		}
		fn.outs[i] = v
	}
	fn.missing, fn.fromHistory = false, nil
	return nil
}

// Waiting reports whether the execution at cp is suspended: every
// unfinished part of it waits for an unreported callback task, a Wait or a
// Retry interval (see Machine.Parked). deadline is the earliest Timeout or
// due time among them (zero when none has one); the caller compares it
// with the time.
func (cp *Checkpoint) Waiting() (deadline time.Time, ok bool) {
	if cp.Running {
		return time.Time{}, false
	}
	ok = blockedAt(cp.Wait, cp.Fan, cp.RetryAt, &deadline)
	return deadline, ok
}

func blockedAt(w *WaitCheckpoint, fc *FanCheckpoint, retryAt time.Time, deadline *time.Time) bool {
	switch {
	case w != nil:
		if w.Reported {
			return false
		}
		*deadline = earliest(*deadline, w.Deadline)
		return true
	case fc != nil:
		for i := range fc.Children {
			c := &fc.Children[i]
			if !blockedAt(c.Wait, c.Fan, c.RetryAt, deadline) {
				return false
			}
		}
		return len(fc.Children) > 0
	case !retryAt.IsZero():
		*deadline = earliest(*deadline, retryAt)
		return true
	}
	return false
}

// FindWait returns the callback task of cp (top-level, or of any branch or
// iteration in progress) whose token is tok, nil when none.
func (cp *Checkpoint) FindWait(tok string) *WaitCheckpoint {
	return findWait(cp.Wait, cp.Fan, tok)
}

func findWait(w *WaitCheckpoint, fc *FanCheckpoint, tok string) *WaitCheckpoint {
	switch {
	case w != nil:
		if w.Token == tok {
			return w
		}
	case fc != nil:
		for i := range fc.Children {
			if found := findWait(fc.Children[i].Wait, fc.Children[i].Fan, tok); found != nil {
				return found
			}
		}
	}
	return nil
}
