package flowtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// Tasks returns the task runner of in-process runs: the mocks in order
// (the first with an entry for the state or action answers; nil mocks are
// skipped), then the native HTTP:Request integration. FC:InvokeFunction and
// FNF:StartExecution need a cloud or a service, so in process only a mock
// serves them.
func Tasks(mocks ...*action.Mock) interp.TaskRunner {
	t := &tasks{native: action.NewRegistry(nil, map[string]interp.TaskRunner{
		action.ActionHTTPRequest: action.NewHTTP(action.HTTPOptions{}),
	})}
	for _, m := range mocks {
		if m != nil {
			t.mocks = append(t.mocks, m)
		}
	}
	return t
}

type tasks struct {
	mocks  []*action.Mock
	native *action.Registry
}

func (t *tasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	for _, m := range t.mocks {
		if _, ok := m.Match(action.CaseOf(call.Execution), call.State, call.Action); ok {
			return m.Invoke(ctx, call)
		}
	}
	return t.native.Invoke(ctx, call)
}

func (t *tasks) Forget(execution string) {
	for _, m := range t.mocks {
		m.Forget(execution)
	}
}

// Result is the result of one case.
type Result struct {
	Case     *Case
	Outcome  Outcome
	Failures []string // why the case failed; empty when it passed
	Elapsed  time.Duration
}

// Passed reports whether every expectation held.
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// Run runs every case of the file against its flow. The error is a problem
// with the flow or mock file (its Issues, located in that file); a failing
// case is a Result with Failures.
func (f *File) Run(ctx context.Context) ([]*Result, error) {
	src, err := os.ReadFile(f.FlowPath)
	if err != nil {
		return nil, fmt.Errorf("read flow file: %w", err)
	}
	fl, err := flow.Parse(src, flow.ParseOptions{Mode: f.Mode})
	if err != nil {
		return nil, fmt.Errorf("flow file %s: %w", f.FlowPath, err)
	}
	var out []*Result
	for _, c := range f.Cases {
		r, err := f.runCase(ctx, fl, c)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// executionName is the name cases run under.
const executionName = "test"

func (f *File) runCase(ctx context.Context, fl *flow.Flow, c *Case) (*Result, error) {
	clock := interp.ScaledClock(c.TimeScale)
	var shared, own *action.Mock
	var err error
	if f.MockPath != "" {
		if shared, err = action.LoadMockFile(f.MockPath, clock); err != nil {
			return nil, err
		}
	}
	if c.Mocks != nil {
		if own, err = action.ParseMockNode(c.Mocks, "", clock); err != nil {
			return nil, fmt.Errorf("case %s: mocks: %w", c.Name, err)
		}
	}
	input, err := value.Encode(c.Input)
	if err != nil {
		return nil, fmt.Errorf("case %s: input: %w", c.Name, err)
	}
	start := time.Now()
	o := Run(ctx, fl, interp.Execution{Name: executionName, Input: json.RawMessage(input)}, Options{Tasks: Tasks(own, shared), Clock: clock})
	r := &Result{Case: c, Outcome: o, Elapsed: time.Since(start)}
	r.Failures = c.Expect.check(o)
	return r, nil
}

// check lists the expectations o does not meet.
func (e *Expect) check(o Outcome) []string {
	var fails []string
	res := o.Result
	if res.Status != e.Status {
		msg := fmt.Sprintf("status %s, want %s", res.Status, e.Status)
		if res.Error != "" || res.Cause != "" {
			msg += fmt.Sprintf(" (error %s: %s)", res.Error, res.Cause)
		}
		fails = append(fails, msg)
	}
	if e.Error != "" && res.Error != e.Error {
		fails = append(fails, fmt.Sprintf("error %q, want %q", res.Error, e.Error))
	}
	if e.Cause != "" && !strings.Contains(res.Cause, e.Cause) {
		fails = append(fails, fmt.Sprintf("cause %q does not contain %q", res.Cause, e.Cause))
	}
	if e.HasOutput || e.HasIncludes {
		var got any
		var err error
		if len(res.Output) > 0 {
			got, err = value.Decode(res.Output)
		} else {
			err = errors.New("no output")
		}
		switch {
		case err != nil:
			fails = append(fails, fmt.Sprintf("output: %v", err))
		case e.HasOutput && !value.Equal(got, e.Output):
			fails = append(fails, fmt.Sprintf("output %s, want %s", res.Output, encode(e.Output)))
		case e.HasIncludes && !includes(got, e.OutputIncludes):
			fails = append(fails, fmt.Sprintf("output %s does not include %s", res.Output, encode(e.OutputIncludes)))
		}
	}
	entered := Entered(o.Events)
	if len(e.States) > 0 && !subsequence(entered, e.States) {
		fails = append(fails, fmt.Sprintf("states entered %v, want %v in this order", entered, e.States))
	}
	for _, s := range e.NotStates {
		if slices.Contains(entered, s) {
			fails = append(fails, fmt.Sprintf("state %s was entered, want it not to be", s))
		}
	}
	return fails
}

// Entered returns the names of the states entered, in order (a state
// entered twice appears twice).
func Entered(events []interp.Event) []string {
	var out []string
	for _, ev := range events {
		if ev.Type == interp.StepEntered {
			out = append(out, ev.StepName)
		}
	}
	return out
}

func subsequence(all, want []string) bool {
	i := 0
	for _, s := range all {
		if i < len(want) && s == want[i] {
			i++
		}
	}
	return i == len(want)
}

// includes reports whether want is a subset of got: every key of a want map
// is in got with an included value; lists match element by element with
// equal lengths; other values are equal.
func includes(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !includes(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !includes(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return value.Equal(got, want)
}

func encode(v any) string {
	b, err := value.Encode(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
