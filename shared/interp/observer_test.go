package interp

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// pathKey carries the path of the observed work a context belongs to.
type pathKey struct{}

// pathObserver records each started and ended state attempt and Task call
// as "<parent path>/<name>", so nesting through the returned contexts shows.
type pathObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *pathObserver) push(ctx context.Context, name string) context.Context {
	parent, _ := ctx.Value(pathKey{}).(string)
	return context.WithValue(ctx, pathKey{}, parent+"/"+name)
}

func (o *pathObserver) add(s string) {
	o.mu.Lock()
	o.events = append(o.events, s)
	o.mu.Unlock()
}

func (o *pathObserver) StateStarted(ctx context.Context, a StateAttempt) context.Context {
	ctx = o.push(ctx, a.State)
	resumed := ""
	if a.Resumed {
		resumed = " resumed"
	}
	o.add(fmt.Sprintf("start %s %s retry=%d%s", ctx.Value(pathKey{}), a.Type, a.RetryCount, resumed))
	return ctx
}

func (o *pathObserver) StateEnded(ctx context.Context, a StateAttempt, err *Error, suspended bool) {
	name := ""
	if err != nil {
		name = " " + err.Name
	}
	if suspended {
		name = " suspended"
	}
	o.add(fmt.Sprintf("end %s%s", ctx.Value(pathKey{}), name))
}

func (o *pathObserver) TaskStarted(ctx context.Context, call TaskCall) context.Context {
	ctx = o.push(ctx, call.Action)
	o.add(fmt.Sprintf("start %s", ctx.Value(pathKey{})))
	return ctx
}

func (o *pathObserver) TaskEnded(ctx context.Context, call TaskCall, err *Error) {
	name := ""
	if err != nil {
		name = " " + err.Name
	}
	o.add(fmt.Sprintf("end %s%s", ctx.Value(pathKey{}), name))
}

func TestObserver_NestedStatesRetriesAndTasks(t *testing.T) {
	src := header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: T
        States:
          - Name: T
            Type: Task
            Action: "Test:Flaky"
            Parameters: {failures: 1, error: E.Busy}
            Retry: [{Errors: [E.Busy], MaxAttempts: 2, IntervalSeconds: 1}]
            End: true
    Next: F
  - {Name: F, Type: Fail, Code: E.Done, Detail: done}
`
	clock := newFakeClock()
	obs := &pathObserver{}
	e := New(Options{Clock: clock, Tasks: &testTasks{clock: clock}, Observer: obs})
	res := e.Run(context.Background(), mustParse(t, "", src), Execution{Name: "x"})
	wantResult(t, res, Failed, "", "E.Done")
	want := []string{
		"start /P Parallel retry=0",
		"start /P/T Task retry=0",
		"start /P/T/Test:Flaky",
		"end /P/T/Test:Flaky E.Busy",
		"end /P/T E.Busy",
		"end /P suspended", // the retry interval suspends the branch
		"start /P Parallel retry=0 resumed",
		"start /P/T Task retry=1",
		"start /P/T/Test:Flaky",
		"end /P/T/Test:Flaky",
		"end /P/T",
		"end /P",
		"start /F Fail retry=0",
		"end /F E.Done",
	}
	if !slices.Equal(obs.events, want) {
		t.Fatalf("observed:\n%q\nwant:\n%q", obs.events, want)
	}
}
