package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// fakeClock records sleeps and returns at once.
type fakeClock struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return ctx.Err()
}

func mustMock(t *testing.T, src string) *Mock {
	t.Helper()
	m, err := ParseMock([]byte(src), &fakeClock{})
	if err != nil {
		t.Fatalf("ParseMock: %v", err)
	}
	return m
}

func call(exec, state, action string) interp.TaskCall {
	return interp.TaskCall{Execution: exec, State: state, Action: action}
}

// wantReturn checks that Invoke returned the JSON value want.
func wantReturn(t *testing.T, got any, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Invoke error %v, want result %s", err, want)
	}
	w, derr := value.Decode([]byte(want))
	if derr != nil {
		t.Fatalf("bad want %s: %v", want, derr)
	}
	if !value.Equal(got, w) {
		b, _ := value.Encode(got)
		t.Fatalf("Invoke = %s, want %s", b, want)
	}
}

// wantError checks that Invoke failed with an *interp.Error name/detail.
func wantError(t *testing.T, err error, name, detail string) {
	t.Helper()
	var e *interp.Error
	if !errors.As(err, &e) {
		t.Fatalf("Invoke error = %v, want *interp.Error %s", err, name)
	}
	if e.Name != name || e.Detail != detail {
		t.Fatalf("Invoke error = {%q, %q}, want {%q, %q}", e.Name, e.Detail, name, detail)
	}
}

func TestParseMock_Valid(t *testing.T) {
	tests := []struct {
		name, src string
		state     string
		action    string
		want      string // JSON result of the first call
	}{
		{"yaml state list", "States:\n  Charge:\n    - Return: {Body: {id: 7, ok: true, f: 1.5, n: null, s: '2024-01-01'}}\n", "Charge", "X:Y", `{"Body":{"id":7,"ok":true,"f":1.5,"n":null,"s":"2024-01-01"}}`},
		{"yaml single response", "Actions:\n  FC:InvokeFunction:\n    Return: [1, two]\n", "S", "FC:InvokeFunction", `[1,"two"]`},
		{"json", `{"States":{"A":[{"Return":{"x":[1,2,{"y":"z"}]},"Delay":0.5}]}}`, "A", "X:Y", `{"x":[1,2,{"y":"z"}]}`},
		{"scalar return", "Actions: {HTTP:Request: {Return: hello}}", "S", "HTTP:Request", `"hello"`},
		{"null return", "Actions: {HTTP:Request: {Return: null}}", "S", "HTTP:Request", `null`},
		{"big and float ints", "Actions: {A:B: {Return: [9007199254740993, 2.0, -3]}}", "S", "A:B", `[9007199254740993, 2.0, -3]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustMock(t, tc.src)
			got, err := m.Invoke(context.Background(), call("e", tc.state, tc.action))
			wantReturn(t, got, err, tc.want)
		})
	}
}

func TestParseMock_Invalid(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // each must appear in the error, in order
	}{
		{"not yaml", "States: [", []string{"not valid YAML or JSON"}},
		{"empty file", "", []string{"empty mock file"}},
		{"top level list", "- a", []string{"want a map, got a list"}},
		{"unknown top key", "States: {}\nMocks: {}\n", []string{"Mocks (line 2, column 1): unknown key; want States, Actions or Cases"}},
		{"unknown response key", "States:\n  A:\n    - Return: 1\n      Result: 2\n", []string{"States.A[0].Result (line 4, column 7): unknown key"}},
		{"both return and error", "States:\n  A: {Return: 1, Error: X}\n", []string{"States.A (line 2, column 18): Return and Error are exclusive"}},
		{"neither", "States:\n  A: {Delay: 1}\n", []string{"States.A (line 2, column 6): want Return or Error"}},
		{"cause without error", "States:\n  A: {Return: 1, Cause: x}\n", []string{"Cause needs Error"}},
		{"empty list", "States:\n  A: []\n", []string{"States.A (line 2, column 6): empty response list"}},
		{"error not string", "States:\n  A: {Error: 5}\n", []string{"States.A.Error (line 2, column 14): want a string, got a number"}},
		{"empty error", "States:\n  A: {Error: ''}\n", []string{"empty error name"}},
		{"negative delay", "States:\n  A: {Return: 1, Delay: -1}\n", []string{"States.A.Delay (line 2, column 25): want a number of seconds from 0 to 604800"}},
		{"string delay", "States:\n  A: {Return: 1, Delay: '5'}\n", []string{"States.A.Delay"}},
		{"huge delay", "States:\n  A: {Return: 1, Delay: 604801}\n", []string{"States.A.Delay"}},
		{"bad action", "Actions:\n  Invoke: {Return: 1}\n", []string{"Actions.Invoke (line 2, column 3): action \"Invoke\": want <Service>:<Operation>"}},
		{"duplicate state", "States:\n  A: {Return: 1}\n  A: {Return: 2}\n", []string{"duplicate key"}},
		{"response not a map", "States:\n  A: [ok]\n", []string{"States.A[0] (line 2, column 7): want a map, got a string"}},
		{"alias", "States:\n  A: &r {Return: 1}\n  B: *r\n", []string{"anchors and aliases are not supported"}},
		{"nan", "States:\n  A: {Return: .nan}\n", []string{"JSON has no NaN"}},
		{"nan inside Return", "States:\n  A: {Return: {a: [1, .nan]}}\n", []string{"States.A.Return.a[1] (line 2, column 23): bad number"}},
		{"tag inside Return", "States:\n  A: {Return: [!!binary aGk=]}\n", []string{"States.A.Return[0] (line 2, column 16): unsupported YAML tag !!binary"}},
		{"States not a map", "States: [1]\n", []string{"States (line 1, column 9): want a map, got a list"}},
		{"every issue reported", "States:\n  A: {Error: 1}\n  B: {Return: 1, Bad: 2}\n", []string{"States.A.Error", "States.B.Bad"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMock([]byte(tc.src), nil)
			if err == nil {
				t.Fatalf("ParseMock(%q) = %v, want an error", tc.src, m)
			}
			var is Issues
			if !errors.As(err, &is) {
				t.Fatalf("ParseMock error %T, want Issues", err)
			}
			msg := err.Error()
			rest := msg
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("ParseMock error = %q, want it to contain %q (in order)", msg, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestLoadMockFile_Missing(t *testing.T) {
	if _, err := LoadMockFile(t.TempDir()+"/none.yaml", nil); err == nil || !strings.Contains(err.Error(), "read mock file") {
		t.Fatalf("LoadMockFile(missing) = %v, want a read error", err)
	}
}

func TestMock_Invoke_StateWins(t *testing.T) {
	m := mustMock(t, `
States:
  Charge: {Return: state}
Actions:
  FC:InvokeFunction: {Return: action}
`)
	got, err := m.Invoke(context.Background(), call("e", "Charge", "FC:InvokeFunction"))
	wantReturn(t, got, err, `"state"`)
	got, err = m.Invoke(context.Background(), call("e", "Other", "FC:InvokeFunction"))
	wantReturn(t, got, err, `"action"`)
	_, err = m.Invoke(context.Background(), call("e", "Other", "HTTP:Request"))
	wantError(t, err, interp.ErrorActionNotSupported, "no mock for state Other or action HTTP:Request")
	if !errors.Is(err, ErrNoMock) {
		t.Errorf("Invoke(unmatched) = %v, want it to wrap ErrNoMock", err)
	}
}

func TestMock_Invoke_Sequence(t *testing.T) {
	m := mustMock(t, `
States:
  Charge:
    - {Error: FC.ResourceThrottled, Cause: busy}
    - {Error: FC.ResourceThrottled}
    - Return: {n: 3}
`)
	ctx := context.Background()
	_, err := m.Invoke(ctx, call("e", "Charge", "A:B"))
	wantError(t, err, "FC.ResourceThrottled", "busy")
	_, err = m.Invoke(ctx, call("e", "Charge", "A:B"))
	wantError(t, err, "FC.ResourceThrottled", "")
	for i := 0; i < 3; i++ { // the last response repeats
		got, err := m.Invoke(ctx, call("e", "Charge", "A:B"))
		wantReturn(t, got, err, `{"n":3}`)
	}
	if n := m.Calls("e", "Charge", "A:B"); n != 5 {
		t.Errorf("Calls = %d, want 5", n)
	}
	m.Forget("e")
	_, err = m.Invoke(ctx, call("e", "Charge", "A:B"))
	wantError(t, err, "FC.ResourceThrottled", "busy")
}

func TestMock_Invoke_ReturnIsCopied(t *testing.T) {
	m := mustMock(t, "States: {A: {Return: {k: [1]}}}")
	got, _ := m.Invoke(context.Background(), call("e", "A", "X:Y"))
	got.(map[string]any)["k"].([]any)[0] = int64(99)
	got, err := m.Invoke(context.Background(), call("e", "A", "X:Y"))
	wantReturn(t, got, err, `{"k":[1]}`)
}

func TestMock_Invoke_Delay(t *testing.T) {
	clock := &fakeClock{}
	m, err := ParseMock([]byte("States: {A: [{Return: 1, Delay: 2.5}, {Error: E, Delay: 3}]}"), clock)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Invoke(context.Background(), call("e", "A", "X:Y"))
	wantReturn(t, got, err, `1`)
	_, err = m.Invoke(context.Background(), call("e", "A", "X:Y"))
	wantError(t, err, "E", "")
	want := []time.Duration{2500 * time.Millisecond, 3 * time.Second}
	if fmt.Sprint(clock.sleeps) != fmt.Sprint(want) {
		t.Errorf("sleeps = %v, want %v", clock.sleeps, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Invoke(ctx, call("e", "A", "X:Y")); !errors.Is(err, context.Canceled) {
		t.Errorf("Invoke(cancelled ctx) = %v, want context.Canceled", err)
	}
}

func TestMock_Invoke_RealClockDelayHonoursCtx(t *testing.T) {
	m, err := ParseMock([]byte("States: {A: {Return: 1, Delay: 60}}"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := m.Invoke(ctx, call("e", "A", "X:Y")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Invoke = %v, want context.DeadlineExceeded", err)
	}
}

// TestMock_Invoke_PerExecution runs many executions concurrently against one
// Mock: each must see its own sequence (error, error, ok).
func TestMock_Invoke_PerExecution(t *testing.T) {
	m := mustMock(t, "Actions: {FC:InvokeFunction: [{Error: E1}, {Error: E2}, {Return: ok}]}")
	const execs, calls = 20, 4
	var wg sync.WaitGroup
	got := make([][]string, execs)
	for i := 0; i < execs; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < calls; j++ {
				res, err := m.Invoke(context.Background(), call(fmt.Sprintf("exec-%d", i), "S", "FC:InvokeFunction"))
				var e *interp.Error
				if errors.As(err, &e) {
					got[i] = append(got[i], e.Name)
				} else {
					got[i] = append(got[i], fmt.Sprint(res))
				}
			}
		}(i)
	}
	wg.Wait()
	for i, g := range got {
		if strings.Join(g, ",") != "E1,E2,ok,ok" {
			t.Errorf("exec-%d saw %v, want [E1 E2 ok ok]", i, g)
		}
	}
}
