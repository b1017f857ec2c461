package interp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// Engine runs flows. It is safe for concurrent use; it never modifies a
// flow.Flow.
type Engine struct{ opts Options }

// New returns an engine; zero Options fields take their defaults.
func New(opts Options) *Engine { return &Engine{opts: opts.withDefaults()} }

// Run executes f from its start to a terminal status: a loop over
// Machine.Step. The run ends TimedOut (Error FnF.Timeout) when the flow's
// Timeout passes on the engine's clock or ctx's deadline is exceeded, and
// Stopped when ctx is cancelled otherwise.
func (e *Engine) Run(ctx context.Context, f *flow.Flow, ex Execution) Result {
	m := machinePool.Get().(*Machine)
	m.pooled = true
	e.start(m, f, ex)
	if d := f.Timeout(); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = e.opts.Clock.WithTimeoutCause(ctx, d, ErrFlowTimeout)
		defer cancel()
	}
	for !m.Step(ctx) {
		if w := m.firstWait(); w != nil {
			// Nobody can report to a run that is not stored.
			m.finish(fail(ErrorActionNotSupported, "task %s: callback task modes need a stored Standard execution", w.scope.States[w.cur].Name))
			break
		}
	}
	res := m.result
	m.release()
	return res
}

// machinePool recycles the Machines of Engine.Run, which never escape it: a
// run then allocates only its data.
var machinePool = sync.Pool{New: func() any { return new(Machine) }}

// maxPooledBuf caps the output scratch buffer a pooled Machine keeps.
const maxPooledBuf = 16 << 10

// release clears m (so the pool holds no execution data) and returns it to
// machinePool, keeping a small output scratch buffer.
func (m *Machine) release() {
	buf := m.buf
	if cap(buf) > maxPooledBuf {
		buf = nil
	}
	*m = Machine{}
	m.buf = buf[:0]
	machinePool.Put(m)
}

// run is the state shared by every scope of one execution.
type run struct {
	opts     *Options
	flow     *flow.Flow
	exec     eval.ExecutionContext
	runtime  eval.Runtime
	global   atomic.Pointer[map[string]any]
	gmu      sync.Mutex                          // serialises $Global merges
	deadline time.Time                           // flow Timeout on the engine clock; zero = none
	hist     *history                            // nil when not recording
	newToken func(eventID int64) (string, error) // Execution.NewTaskToken
	onMapRun func(*maprun.Run)                   // Execution.OnMapRun
	loadOut  func(ctx context.Context, scheduleID, since int64) (map[int]json.RawMessage, error)
	// Progress (progress.go): Execution.OnProgress, and the top-level fan
	// a Step runs.
	onProgress func()
	liveMu     sync.Mutex
	live       *fan
	sizer      payloadSizer
	inFlight   atomic.Int64 // fan-out goroutines running, at most opts.MaxInFlight
}

// outputBufSize is the initial capacity of the execution output buffer.
const outputBufSize = 256

// emptyGlobal is the initial $Global, never modified.
var emptyGlobal = map[string]any{}

func (r *run) loadGlobal() map[string]any { return *r.global.Load() }

// frame is a position inside one scope: the state about to run and its input.
type frame struct {
	scope        *flow.Scope
	cur          int
	input        any
	retries      int       // $Context.Current.RetryCount of the current entry
	ruleAttempts []int     // per Retry rule of the current entry; nil until a retry
	retryAt      time.Time // when the next attempt may start; zero = now
	noGlobal     bool      // distributed Map child: $Global is always {}
	entered      int64     // EventId of the current StepEntered (recording only)
	mapRun       string    // MapRunName of the current distributed Map attempt
	top          bool      // the root scope
	wait         *waiting  // the suspended callback task or Wait, nil when none
	fan          *fan      // the current state's unfinished fan-out, nil when none
	fresh        bool      // a fan's child restored before it entered its first state
	env          eval.Env
	ctx          eval.Context
	// Legacy scopes (legacy.go): input then holds the scope's $local, and
	// scopeIn the scope's input; stepIn is the current step's input.
	scopeIn, stepIn any
}

func (r *run) initFrame(fr *frame, scope *flow.Scope, input any) {
	*fr = frame{scope: scope, cur: scope.Start, input: input}
	fr.ctx.Execution = r.exec
	fr.ctx.FlowName = r.flow.Name()
	fr.env.Context = &fr.ctx
	fr.env.Runtime = &r.runtime
}

// checkAbort reports a stop or timeout before a transition.
func (r *run) checkAbort(ctx context.Context) *failure {
	if err := ctx.Err(); err != nil {
		return abortFor(ctx)
	}
	if !r.deadline.IsZero() && !r.opts.Clock.Now().Before(r.deadline) {
		return timedOut()
	}
	return nil
}

func timedOut() *failure {
	return &failure{err: &Error{Name: ErrorTimeout, Detail: "the execution timed out"}, status: TimedOut, fatal: true, abort: true}
}

// abortFor turns a done ctx into the failure that ends the run.
func abortFor(ctx context.Context) *failure {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(context.Cause(ctx), ErrFlowTimeout) {
		return timedOut()
	}
	return &failure{err: &Error{Name: "", Detail: ""}, status: Stopped, fatal: true, abort: true}
}

// sleep waits d on the engine clock, bounded by the flow deadline.
func (r *run) sleep(ctx context.Context, d time.Duration) *failure {
	if d <= 0 {
		return nil
	}
	if !r.deadline.IsZero() {
		if left := r.deadline.Sub(r.opts.Clock.Now()); left < d {
			if left > 0 {
				if err := r.opts.Clock.Sleep(ctx, left); err != nil {
					return abortFor(ctx)
				}
			}
			return timedOut()
		}
	}
	if err := r.opts.Clock.Sleep(ctx, d); err != nil {
		return abortFor(ctx)
	}
	return nil
}

// Machine is one execution that advances one state attempt per Step. Parallel
// and Map states run their sub-scopes inside the one Step of the enclosing
// state, up to the children that wait for callback reports (a later Step
// goes on with them). A Machine is not safe for concurrent use.
type Machine struct {
	r      *run
	fr     frame
	start  time.Time
	done   bool
	result Result
	own    run    // storage behind r (one allocation for both)
	pooled bool   // owned by Engine.Run: buf is scratch, reused across runs
	buf    []byte // output scratch buffer of a pooled Machine
}

// newMachine returns a Machine whose run state lives inside it.
func newMachine(e *Engine, f *flow.Flow) *Machine {
	m := &Machine{}
	m.own.opts, m.own.flow = &e.opts, f
	m.r = &m.own
	return m
}

// Start prepares an execution of f without running any state. An input that
// is not a JSON object (or is too large) makes the Machine finish Failed with
// FnF.InvalidData at its first Step.
func (e *Engine) Start(f *flow.Flow, ex Execution) *Machine {
	m := new(Machine)
	e.start(m, f, ex)
	return m
}

// start prepares m, a zero Machine, as Start describes.
func (e *Engine) start(m *Machine, f *flow.Flow, ex Execution) {
	m.own.opts, m.own.flow = &e.opts, f
	m.r = &m.own
	// The start time serves the flow Timeout, the history and checkpoints;
	// a pooled run of a flow without Timeout or recording needs none of them.
	if !m.pooled || f.Timeout() > 0 || ex.Recorder != nil || e.opts.Recorder != nil {
		m.start = e.opts.Clock.Now()
	}
	var input any
	var bad *failure
	switch {
	case len(ex.Input) == 0:
		input = map[string]any{}
	case len(ex.Input) > e.opts.MaxPayloadBytes:
		bad = fail(ErrorInvalidData, "the execution input is larger than %d bytes", e.opts.MaxPayloadBytes)
	default:
		v, err := value.Decode(ex.Input)
		switch {
		case err != nil:
			bad = fail(ErrorInvalidData, "the execution input is not valid JSON: %v", err)
		default:
			if _, ok := v.(map[string]any); !ok {
				bad = fail(ErrorInvalidData, "the execution input must be a JSON object")
			}
			input = v
		}
	}
	if input == nil {
		input = map[string]any{}
	}
	if lf := m.init(f, ex, input); bad == nil {
		bad = lf
	}
	if bad != nil {
		m.finish(bad)
	} else if m.r.hist != nil {
		m.r.hist.emit(ExecutionStarted, 0, "", detail{Input: input, has: hasInput})
	}
}

func (m *Machine) init(f *flow.Flow, ex Execution, input any) *failure {
	r := m.r
	r.exec = eval.ExecutionContext{Name: ex.Name, Input: input, RoleArn: ex.RoleArn}
	r.runtime = eval.Runtime{RandInt: r.opts.RandInt, UUID: r.opts.UUID}
	r.sizer.limit = r.opts.MaxPayloadBytes
	r.global.Store(&emptyGlobal)
	if d := f.Timeout(); d > 0 {
		r.deadline = m.start.Add(d)
	}
	rec := ex.Recorder
	if rec == nil {
		rec = r.opts.Recorder
	}
	if rec != nil {
		r.hist = &history{rec: rec, exec: ex.Name, clock: r.opts.Clock, nextID: 1, max: r.opts.MaxEvents}
	}
	r.newToken = ex.NewTaskToken
	r.onMapRun = ex.OnMapRun
	r.loadOut = ex.LoadOutputs
	r.onProgress = ex.OnProgress
	r.initFrame(&m.fr, f.Root(), input)
	m.fr.top = true
	if f.Legacy() {
		return r.legacyStart(&m.fr)
	}
	return nil
}

// Step runs one state attempt (or goes on with the branches and iterations
// of a Parallel or Map in progress) and reports whether the execution has
// finished. When the Machine is suspended on Waits or Retry intervals only
// (see Parked), it first sleeps until the earliest of them is due. It
// checks ctx before doing anything.
func (m *Machine) Step(ctx context.Context) bool {
	if m.done {
		return true
	}
	if f := m.r.awaitTimers(ctx, &m.fr); f != nil {
		m.finish(f)
		return true
	}
	done, out, f := m.r.step(ctx, &m.fr)
	switch {
	case f == suspended:
		return false
	case f != nil:
		m.finish(f)
	case done && m.r.flow.Legacy() && m.legacyFinish(&out):
		// legacyFinish applied the flow outputMappings and failed the run.
	case done:
		b, err := m.encodeOutput(out)
		if err != nil {
			m.finish(fail(ErrorInvalidData, "the execution output cannot be encoded: %v", err))
			break
		}
		m.done = true
		m.result = Result{Status: Succeeded, Output: json.RawMessage(b)}
		if m.r.hist != nil {
			m.r.hist.final(ExecutionSucceeded, detail{Output: out, has: hasOutput})
		}
		m.r.forget()
	}
	return m.done
}

// encodeOutput encodes the execution output into a slice of its own; a pooled
// Machine encodes into its scratch buffer and copies the exact bytes out.
func (m *Machine) encodeOutput(out any) ([]byte, error) {
	if !m.pooled {
		return value.Append(make([]byte, 0, outputBufSize), out)
	}
	if m.buf == nil {
		m.buf = make([]byte, 0, outputBufSize)
	}
	b, err := value.Append(m.buf[:0], out)
	if err != nil {
		return nil, err
	}
	m.buf = b[:0]
	return bytes.Clone(b), nil
}

func (m *Machine) finish(f *failure) {
	m.done = true
	m.result = Result{Status: f.status, Error: f.err.Name, Cause: f.err.Detail}
	if m.r.hist != nil {
		typ := ExecutionFailed
		switch f.status {
		case TimedOut:
			typ = ExecutionTimedOut
		case Stopped:
			typ = ExecutionStopped
		}
		m.r.hist.final(typ, detail{Error: f.err.Name, Cause: f.err.Detail, has: hasError})
	}
	m.r.forget()
}

// forget tells a Forgetter task runner that the execution has finished.
func (r *run) forget() {
	if fg, ok := r.opts.Tasks.(Forgetter); ok {
		fg.Forget(r.exec.Name)
	}
}

// Done reports whether the execution has finished.
func (m *Machine) Done() bool { return m.done }

// Result returns how the execution ended; it is meaningful once Done.
func (m *Machine) Result() Result { return m.result }
