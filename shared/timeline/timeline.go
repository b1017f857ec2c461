package timeline

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// Event is one history event as GetExecutionHistory returns it.
type Event struct {
	ID         int64  // EventId
	ScheduleID int64  // ScheduleEventId
	Type       string // e.g. "StepEntered"
	StepName   string
	Time       time.Time
	Detail     string // EventDetail: a JSON object text
}

// Outcome is what happened to a state (or one entry of it).
type Outcome string

// Outcomes, as the graph's data-status attribute spells them.
const (
	NotReached Outcome = "notreached"
	Running    Outcome = "running"
	Succeeded  Outcome = "succeeded"
	Failed     Outcome = "failed"
	Caught     Outcome = "caught"
	Retried    Outcome = "retried"
)

// rank orders outcomes by precedence when a state has several entries.
var rank = map[Outcome]int{NotReached: 0, Succeeded: 1, Retried: 2, Caught: 3, Failed: 4, Running: 5}

// LaneKind says what a lane is.
type LaneKind string

// Lane kinds.
const (
	Top       LaneKind = "top"       // the flow's top-level states
	Branch    LaneKind = "branch"    // one Parallel branch
	Iteration LaneKind = "iteration" // one Map iteration
)

// Lane is a sequence of steps run one after another: the top level, a
// Parallel branch or a Map iteration.
type Lane struct {
	Kind  LaneKind
	Index int       // branch or item index
	Start time.Time // zero for the top lane before ExecutionStarted
	End   time.Time // zero while open
	// Input and Output are JSON texts ("" when unknown).
	Input, Output string
	Steps         []*Step

	scope  *flow.Scope
	prefix string // state-path prefix of scope's states
	open   bool
}

// Step is one entry of a state: from StepEntered to StepExited, with every
// attempt in between.
type Step struct {
	Name string
	// Path is the state's path as package graph names its nodes: state
	// names from the top down joined by "/" with the scope between a
	// compound state and its children, e.g. "Fork/Branches[0]/Ship" ("" when
	// the definition has no state of that name where it ran). Type is its
	// FDL type ("" likewise).
	Path, Type string
	EnteredID  int64     // EventId of its StepEntered
	Start, End time.Time // End is zero while it runs
	Outcome    Outcome
	// Input and Output are JSON texts; Error and Cause the last failure.
	Input, Output string
	Error, Cause  string
	Attempts      []*Attempt
	Lanes         []*Lane // Parallel branches or Map iterations, by index order of entry

	state  *flow.State
	exited bool
}

// Attempt is one try of a step, from StepStarted to StepSucceeded or
// StepFailed.
type Attempt struct {
	Start, End   time.Time // End is zero while it runs
	Failed       bool
	Error, Cause string
	Task         *Task // nil unless the state called a task
}

// Task is one task call of an attempt.
type Task struct {
	ScheduledID int64 // EventId of its TaskScheduled: the key of its task token
	Scheduled   time.Time
	End         time.Time // zero while pending
	Parameters  string    // JSON text
	Output      string    // JSON text
	// Submitted is set when a callback task was handed over and waits for
	// a report (until End).
	Submitted    bool
	Error, Cause string
	// Result is the closing event's type (TaskSucceeded, TaskFailed,
	// TaskTimedOut, TaskSubmitFailed), "" while pending.
	Result string

	ended bool // the execution ended
}

// Waiting reports whether the task waits for a callback report: it was
// submitted, has no result and its execution goes on.
func (t *Task) Waiting() bool { return t != nil && t.Submitted && t.Result == "" && !t.ended }

// Timeline is an execution as its history tells it.
type Timeline struct {
	Start, End time.Time // End is zero while the execution runs
	// Status is the execution's final status from its closing event
	// (Succeeded, Failed, TimedOut, Stopped), "" while it runs.
	Status                      string
	Input, Output, Error, Cause string
	Top                         *Lane
	// Outcomes holds every state of the flow by state path (see
	// Step.Path), NotReached when it never ran.
	Outcomes map[string]Outcome
	Events   int // number of events read
}

// Build derives the timeline of an execution of f from its events in
// EventId order. f may be nil: steps are then placed by order alone and
// have no Path. Unknown event types are ignored.
func Build(f *flow.Flow, events []Event) *Timeline {
	b := &builder{
		tl:    &Timeline{Outcomes: map[string]Outcome{}, Events: len(events)},
		steps: map[int64]*Step{},
		tasks: map[int64]*Task{},
	}
	b.tl.Top = &Lane{Kind: Top, open: true}
	if f != nil {
		b.tl.Top.scope = f.Root()
		walk(f.Root(), "", func(_ *flow.State, path string) { b.tl.Outcomes[path] = NotReached })
	}
	b.lanes = []*Lane{b.tl.Top}
	for _, ev := range events {
		b.add(ev)
	}
	b.finish()
	return b.tl
}

// walk calls fn for every state of sc and of the scopes nested in it, with
// its state path; prefix is sc's ("" for the top level, else ending in "/").
func walk(sc *flow.Scope, prefix string, fn func(st *flow.State, path string)) {
	if sc == nil {
		return
	}
	for _, st := range sc.States {
		fn(st, prefix+st.Name)
		for _, sub := range subScopes(st, prefix) {
			walk(sub.scope, sub.prefix, fn)
		}
	}
}

// scopeAt is a nested scope with its state-path prefix.
type scopeAt struct {
	scope  *flow.Scope
	prefix string
}

// subScopes lists the scopes nested in st (Parallel branches, the Map
// processor, a legacy choice's inline step lists) with their prefixes, as
// package graph names its clusters.
func subScopes(st *flow.State, prefix string) []scopeAt {
	var out []scopeAt
	base := prefix + st.Name + "/"
	for i, br := range st.Branches {
		out = append(out, scopeAt{br, base + "Branches[" + strconv.Itoa(i) + "]/"})
	}
	if st.Processor != nil {
		out = append(out, scopeAt{st.Processor, base + "Processor/"})
	}
	if lg := st.Legacy; lg != nil {
		for i, steps := range lg.ChoiceSteps {
			if steps != nil {
				out = append(out, scopeAt{steps, base + "Choices[" + strconv.Itoa(i) + "]/"})
			}
		}
		if lg.DefaultSteps != nil {
			out = append(out, scopeAt{lg.DefaultSteps, base + "Default/"})
		}
	}
	return out
}

type builder struct {
	tl    *Timeline
	lanes []*Lane // every lane in order of opening
	steps map[int64]*Step
	tasks map[int64]*Task
}

// detail is the content of an EventDetail.
type detail struct {
	Input, Output, Parameters json.RawMessage
	Error, Cause              string
	Index                     int
}

func parseDetail(s string) detail {
	var d detail
	if s != "" {
		_ = json.Unmarshal([]byte(s), &d) // a malformed detail reads as empty
	}
	return d
}

// text returns raw JSON compacted, or "" when absent.
func text(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

func (b *builder) add(ev Event) {
	d := parseDetail(ev.Detail)
	tl := b.tl
	switch ev.Type {
	case "ExecutionStarted":
		tl.Start, tl.Input = ev.Time, text(d.Input)
		tl.Top.Start, tl.Top.Input = ev.Time, tl.Input
	case "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionStopped":
		tl.End, tl.Status = ev.Time, ev.Type[len("Execution"):]
		tl.Output, tl.Error, tl.Cause = text(d.Output), d.Error, d.Cause
		tl.Top.End, tl.Top.Output, tl.Top.open = ev.Time, tl.Output, false
	case "StepEntered":
		b.enter(ev, d)
	case "StepStarted":
		if s := b.steps[ev.ScheduleID]; s != nil {
			s.Attempts = append(s.Attempts, &Attempt{Start: ev.Time})
			if s.Input == "" {
				s.Input = text(d.Input)
			}
		}
	case "StepSucceeded", "StepFailed":
		s := b.steps[ev.ScheduleID]
		if s == nil {
			return
		}
		a := s.attempt(ev.Time)
		a.End = ev.Time
		if ev.Type == "StepFailed" {
			a.Failed, a.Error, a.Cause = true, d.Error, d.Cause
			s.Error, s.Cause, s.End = d.Error, d.Cause, ev.Time
		} else {
			s.Output = text(d.Output)
		}
	case "StepExited":
		if s := b.steps[ev.ScheduleID]; s != nil {
			s.End, s.exited = ev.Time, true
			if d.Error != "" || d.Cause != "" {
				s.Outcome, s.Error, s.Cause = Caught, d.Error, d.Cause
			}
		}
	case "BranchEntered", "IterationEntered":
		b.openLane(ev, d)
	case "BranchExited", "IterationExited":
		if s := b.steps[ev.ScheduleID]; s != nil {
			for _, l := range s.Lanes {
				if l.Index == d.Index && l.open {
					l.End, l.Output, l.open = ev.Time, text(d.Output), false
					break
				}
			}
		}
	case "TaskScheduled":
		if s := b.steps[ev.ScheduleID]; s != nil {
			t := &Task{ScheduledID: ev.ID, Scheduled: ev.Time, Parameters: text(d.Parameters)}
			s.attempt(ev.Time).Task = t
			b.tasks[ev.ID] = t
		}
	case "TaskSubmitted":
		if t := b.tasks[ev.ScheduleID]; t != nil {
			t.Submitted = true
		}
	case "TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskSubmitFailed":
		if t := b.tasks[ev.ScheduleID]; t != nil {
			t.End, t.Result = ev.Time, ev.Type
			t.Output, t.Error, t.Cause = text(d.Output), d.Error, d.Cause
		}
	}
}

// attempt returns the step's last attempt, starting one at t when it has
// none (an event without its StepStarted).
func (s *Step) attempt(t time.Time) *Attempt {
	if len(s.Attempts) == 0 {
		s.Attempts = append(s.Attempts, &Attempt{Start: t})
	}
	return s.Attempts[len(s.Attempts)-1]
}

// enter places a StepEntered in a lane (see the package documentation).
func (b *builder) enter(ev Event, d detail) {
	var lane *Lane
	var st *flow.State
	path := ""
	idle := func(l *Lane) bool {
		return len(l.Steps) == 0 || l.Steps[len(l.Steps)-1].exited
	}
	// Open lanes whose scope has the state: idle ones first, the earliest
	// opened, ranked by fit: an empty lane for the scope's start state (best
	// the one whose input is the step's, which tells sibling iterations
	// apart), a lane already under way for any other state. Else the latest
	// opened busy one.
	input := text(d.Input)
	best := 0
	for _, l := range b.lanes {
		if !l.open || l.scope == nil {
			continue
		}
		s, p := find(l.scope, l.prefix, ev.StepName)
		if s == nil {
			continue
		}
		rank := 0
		if idle(l) {
			rank = 1
			if start := l.scope.States[l.scope.Start] == s; (len(l.Steps) == 0) == start {
				rank = 2
				if start && l.Input == input {
					rank = 3
				}
			}
		}
		if rank > best || rank == 0 && best == 0 {
			lane, st, path, best = l, s, p, rank
		}
	}
	if lane == nil {
		// No definition, or a name it lacks: the latest open idle lane,
		// else the top lane.
		lane = b.tl.Top
		for i := len(b.lanes) - 1; i >= 0; i-- {
			if l := b.lanes[i]; l.open && idle(l) {
				lane = l
				break
			}
		}
	}
	s := &Step{Name: ev.StepName, Path: path, EnteredID: ev.ID, Start: ev.Time, Input: text(d.Input), state: st}
	if st != nil {
		s.Type = st.Type.String()
	}
	lane.Steps = append(lane.Steps, s)
	b.steps[ev.ID] = s
}

// find returns the state named name in sc, or in a legacy choice's inline
// step lists under it (which run in the same lane), and its path.
func find(sc *flow.Scope, prefix, name string) (*flow.State, string) {
	for _, st := range sc.States {
		if st.Name == name {
			return st, prefix + name
		}
	}
	for _, st := range sc.States {
		if st.Legacy == nil {
			continue
		}
		for _, sub := range subScopes(st, prefix) {
			if sub.scope == st.Processor {
				continue
			}
			if found, p := find(sub.scope, sub.prefix, name); found != nil {
				return found, p
			}
		}
	}
	return nil, ""
}

// openLane adds a branch or iteration lane to the step that opened it.
func (b *builder) openLane(ev Event, d detail) {
	s := b.steps[ev.ScheduleID]
	if s == nil {
		return
	}
	l := &Lane{Kind: Branch, Index: d.Index, Start: ev.Time, Input: text(d.Input), open: true}
	if ev.Type == "IterationEntered" {
		l.Kind = Iteration
	}
	if st := s.state; st != nil {
		prefix := strings.TrimSuffix(s.Path, st.Name)
		switch {
		case l.Kind == Branch && d.Index >= 0 && d.Index < len(st.Branches):
			l.scope, l.prefix = st.Branches[d.Index], prefix+st.Name+"/Branches["+strconv.Itoa(d.Index)+"]/"
		case l.Kind == Iteration && st.Processor != nil:
			l.scope, l.prefix = st.Processor, prefix+st.Name+"/Processor/"
		}
	}
	s.Lanes = append(s.Lanes, l)
	b.lanes = append(b.lanes, l)
}

// finish gives every step its outcome and sums them up per state.
func (b *builder) finish() {
	ended := b.tl.Status != ""
	for _, t := range b.tasks {
		t.ended = ended
	}
	for _, l := range b.lanes {
		for i, s := range l.Steps {
			current := l.open && i == len(l.Steps)-1
			s.Outcome = outcome(s, ended || !current)
			if s.Path != "" && rank[s.Outcome] >= rank[b.tl.Outcomes[s.Path]] {
				b.tl.Outcomes[s.Path] = s.Outcome
			}
		}
	}
}

// outcome is the outcome of one entry (see the package documentation);
// over is set when nothing more can happen to it: the execution ended, its
// lane closed or moved on to another step.
func outcome(s *Step, over bool) Outcome {
	switch {
	case s.Outcome == Caught:
		return Caught
	case s.exited && len(s.Attempts) > 1:
		return Retried
	case s.exited:
		return Succeeded
	case over:
		return Failed
	}
	// Still running, unless its error left the state: the last attempt
	// failed and its lane moved on or closed (no retry follows).
	if n := len(s.Attempts); n > 0 && s.Attempts[n-1].Failed && !s.retryPending() {
		return Failed
	}
	return Running
}

// retryPending reports whether the step's last failure may still be retried:
// its state has a Retry rule for the error. Whether attempts remain is not
// in the history, so a matching rule counts as pending.
func (s *Step) retryPending() bool {
	if s.state == nil {
		return true
	}
	a := s.Attempts[len(s.Attempts)-1]
	for i := range s.state.Retry {
		if s.state.Retry[i].Matches(a.Error) {
			return true
		}
	}
	return false
}
