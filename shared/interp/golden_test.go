package interp_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/interp/interptest"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want.json from the engine's results (reformatting only; expected values are written by hand)")

// A golden case is a folder testdata/<case>/ holding:
//
//	flow.yaml     the definition
//	input.json    the execution input (absent means {})
//	mock.yaml     optional action.Mock file answering Task states
//	options.json  optional {"Mode": "Express", "Name": "api-name"}
//	want.json     the expected result (golden)
//
// Runs are deterministic: a fake clock starting at 2024-01-02T03:04:05Z
// whose Sleep returns at once, randomInt always yielding its min, uuid()
// always yielding goldenUUID, execution name "exec-1", RoleArn goldenRole.
// Besides the mock file, Tasks may use these actions:
//
//	Test:Echo   returns Parameters (the state input when there are none)
//	Test:Fail   fails with Parameters.error / Parameters.cause
//	Test:Block  sleeps on the fake clock until its context ends (Task Timeout
//	            tests; the Timeout fires in fake time)
//	Mock:Call   known to the parser but served by no runner: cases answer
//	            it from mock.yaml by state name
const (
	goldenUUID = "6a2f41a3-c54c-4c5e-9b1c-0e1d2c3b4a59"
	goldenRole = "acs:ram::1234567890:role/fnf"
)

// golden is the content of want.json. A "*" string in Output matches any
// string; an absent Cause is not compared. Invalid lists substrings the
// flow.Parse error must contain, in order (the case then does not run).
// Sleeps, when present, lists every pause on the clock in seconds.
type golden struct {
	Status  interp.Status   `json:"Status,omitempty"`
	Output  json.RawMessage `json:"Output,omitempty"`
	Error   *string         `json:"Error,omitempty"`
	Cause   *string         `json:"Cause,omitempty"`
	Sleeps  []float64       `json:"Sleeps,omitempty"`
	Invalid []string        `json:"Invalid,omitempty"`
}

type caseOptions struct {
	Mode flow.Mode `json:"Mode"`
	Name string    `json:"Name"`
}

func TestEngine_Run_Golden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "flow.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, fy := range dirs {
		dir := filepath.Dir(fy)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			runGolden(t, dir)
		})
	}
}

func runGolden(t *testing.T, dir string) {
	src := readFile(t, filepath.Join(dir, "flow.yaml"))
	input := readOptional(t, filepath.Join(dir, "input.json"))
	var opts caseOptions
	if b := readOptional(t, filepath.Join(dir, "options.json")); b != nil {
		if err := json.Unmarshal(b, &opts); err != nil {
			t.Fatalf("options.json: %v", err)
		}
	}
	wantPath := filepath.Join(dir, "want.json")
	var want golden
	if err := json.Unmarshal(readFile(t, wantPath), &want); err != nil {
		t.Fatalf("want.json: %v", err)
	}
	clock := newGoldenClock()
	var mock *action.Mock
	if b := readOptional(t, filepath.Join(dir, "mock.yaml")); b != nil {
		m, err := action.ParseMock(b, clock)
		if err != nil {
			t.Fatalf("mock.yaml: %v", err)
		}
		mock = m
	}
	reg := action.NewRegistry(mock, testRunners(clock))
	f, err := flow.Parse(src, flow.ParseOptions{Name: opts.Name, Mode: opts.Mode, KnownAction: reg.Known})
	if len(want.Invalid) > 0 {
		if err == nil {
			t.Fatalf("flow.Parse succeeded, want issues %q", want.Invalid)
		}
		msg, rest := err.Error(), err.Error()
		for _, w := range want.Invalid {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Fatalf("flow.Parse error = %q, want it to contain %q (in order)", msg, w)
			}
			rest = rest[i+len(w):]
		}
		return
	}
	if err != nil {
		t.Fatalf("flow.Parse: %v", err)
	}
	e := interp.New(interp.Options{
		Clock:   clock,
		Tasks:   reg,
		RandInt: func(min, _ int64) int64 { return min },
		UUID:    func() string { return goldenUUID },
	})
	got := e.Run(context.Background(), f, interp.Execution{Name: "exec-1", Input: input, RoleArn: goldenRole})
	if *update {
		g := golden{Status: got.Status, Output: got.Output, Sleeps: want.Sleeps}
		if got.Status != interp.Succeeded {
			g.Error, g.Cause = &got.Error, &got.Cause
		}
		b, _ := json.MarshalIndent(g, "", "  ")
		if err := os.WriteFile(wantPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got.Status != want.Status {
		t.Fatalf("Status = %s (%s: %s) output %s, want %s", got.Status, got.Error, got.Cause, got.Output, want.Status)
	}
	if want.Error != nil && got.Error != *want.Error {
		t.Errorf("Error = %q (cause %q), want %q", got.Error, got.Cause, *want.Error)
	}
	if want.Cause != nil && got.Cause != *want.Cause {
		t.Errorf("Cause = %q, want %q", got.Cause, *want.Cause)
	}
	if len(want.Output) > 0 {
		g, err := value.Decode(got.Output)
		if err != nil {
			t.Fatalf("output %s: %v", got.Output, err)
		}
		w, err := value.Decode(want.Output)
		if err != nil {
			t.Fatalf("want.json Output: %v", err)
		}
		if !match(g, w) {
			t.Errorf("Output = %s, want %s", got.Output, want.Output)
		}
	}
	if want.Sleeps != nil {
		var secs []float64
		for _, d := range clock.Sleeps() {
			secs = append(secs, d.Seconds())
		}
		if fmt.Sprint(secs) != fmt.Sprint(want.Sleeps) {
			t.Errorf("Sleeps = %v, want %v", secs, want.Sleeps)
		}
	}
}

// match is value.Equal where a "*" string in want matches any string.
func match(got, want any) bool {
	switch w := want.(type) {
	case string:
		if w == "*" {
			_, ok := got.(string)
			return ok
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !match(gv, wv) {
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
			if !match(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return value.Equal(got, want)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readOptional(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newGoldenClock returns the fake clock of a golden run: Sleep returns at
// once, Task and flow Timeouts fire in its time.
func newGoldenClock() *interptest.Clock {
	return interptest.NewClock(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
}

type runnerFunc func(ctx context.Context, call interp.TaskCall) (any, error)

func (f runnerFunc) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	return f(ctx, call)
}

// blockFor is how long Test:Block sleeps on the golden clock: longer than any
// Timeout, so only a Timeout (or the run's end) ends it.
const blockFor = 1000 * time.Hour

// testRunners returns the runners of the Test: actions, on clock.
func testRunners(clock *interptest.Clock) map[string]interp.TaskRunner {
	return map[string]interp.TaskRunner{
		"Test:Echo": runnerFunc(func(_ context.Context, call interp.TaskCall) (any, error) {
			if call.Parameters == nil {
				return call.Input, nil
			}
			return call.Parameters, nil
		}),
		"Test:Fail": runnerFunc(func(_ context.Context, call interp.TaskCall) (any, error) {
			p, _ := call.Parameters.(map[string]any)
			name, _ := p["error"].(string)
			cause, _ := p["cause"].(string)
			return nil, fmt.Errorf("wrapped: %w", &interp.Error{Name: name, Detail: cause})
		}),
		"Mock:Call": runnerFunc(func(_ context.Context, call interp.TaskCall) (any, error) {
			return nil, &interp.Error{Name: interp.ErrorActionNotSupported, Detail: "no mock.yaml entry for state " + call.State}
		}),
		"Test:Block": runnerFunc(func(ctx context.Context, _ interp.TaskCall) (any, error) {
			if err := clock.Sleep(ctx, blockFor); err != nil {
				return nil, err
			}
			return nil, errors.New("Test:Block was never cancelled")
		}),
	}
}
