package interp

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// bigItemFlow is a Map whose every iteration returns {"s": <1000 x's>}
// through a Task, so the test tasks count the iterations that ran.
func bigItemFlow(conc int) string {
	return header + fmt.Sprintf(`StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    MaxConcurrency: %d
    Processor:
      StartAt: T
      States:
        - {Name: T, Type: Task, Action: "Test:Echo", Parameters: {s: %s}, End: true}
    OutputConstructor: {n.$: length($Output.Items)}
    End: true
`, conc, strings.Repeat("x", 1000))
}

// indexes returns {"xs":[0,1,...,n-1]}.
func indexes(n int) string {
	xs := make([]string, n)
	for i := range xs {
		xs[i] = fmt.Sprint(i)
	}
	return `{"xs":[` + strings.Join(xs, ",") + `]}`
}

func TestFanOut_Map_AggregateLimitFailsEarly(t *testing.T) {
	// Each output {"s":"x...x"} is 1008 bytes; {"Items":[...]} holds 12 bytes
	// plus a comma between outputs. 64 outputs make 12+64*1008+63 = 64,587
	// bytes (within 65,536); the 65th makes 65,596. So one at a time, the Map
	// fails right after the 65th of its 1,000 iterations.
	tests := []struct {
		name     string
		conc     int
		maxCalls int
	}{
		{name: "one at a time", conc: 1, maxCalls: 65},
		{name: "40 in flight", conc: 40, maxCalls: 65 + 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, tasks := runFlow(t, bigItemFlow(tc.conc), indexes(1000))
			wantResult(t, res, Failed, "", ErrorInvalidData)
			if !strings.Contains(res.Cause, "Map output is larger than 65536 bytes") {
				t.Errorf("Cause = %q, want it to name the Map output and the limit", res.Cause)
			}
			calls := len(tasks.Calls())
			if calls > tc.maxCalls || calls < 65 {
				t.Errorf("iterations run = %d, want 65..%d of 1000", calls, tc.maxCalls)
			}
		})
	}
}

func TestFanOut_Map_AggregateLimitBoundary(t *testing.T) {
	// {"xs":["aaaa","bbbb","cccc"]} is 29 bytes; the Map output
	// {"Items":["aaaa","bbbb","cccc"]} is 32. The limit applies to the raw
	// output even though the OutputConstructor would shrink it.
	src := header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}
    OutputConstructor: {n.$: length($Output.Items)}
    End: true
`
	f := mustParse(t, flow.Standard, src)
	tests := []struct {
		limit  int
		status Status
	}{
		{limit: 32, status: Succeeded},
		{limit: 31, status: Failed},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			e := New(Options{Clock: newFakeClock(), MaxPayloadBytes: tc.limit})
			res := e.Run(context.Background(), f, Execution{Name: "x", Input: []byte(`{"xs":["aaaa","bbbb","cccc"]}`)})
			wantResult(t, res, tc.status, `{"n":3}`, ErrorInvalidData)
		})
	}
}

func TestFanOut_Parallel_AggregateLimitBoundary(t *testing.T) {
	// Branch outputs {"a":"xxxx"} (12 bytes) and {"b":"yy"} (10 bytes):
	// {"Branch0":{"a":"xxxx"},"Branch1":{"b":"yy"}} is 2+10+12+1+10+10 = 45.
	src := header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - {StartAt: A, States: [{Name: A, Type: Pass, OutputConstructor: {a: xxxx}, End: true}]}
      - {StartAt: B, States: [{Name: B, Type: Pass, OutputConstructor: {b: yy}, End: true}]}
    End: true
`
	f := mustParse(t, flow.Standard, src)
	tests := []struct {
		limit  int
		status Status
	}{
		{limit: 45, status: Succeeded},
		{limit: 44, status: Failed},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			e := New(Options{Clock: newFakeClock(), MaxPayloadBytes: tc.limit})
			res := e.Run(context.Background(), f, Execution{Name: "x"})
			wantResult(t, res, tc.status, `{"Branch0":{"a":"xxxx"},"Branch1":{"b":"yy"}}`, ErrorInvalidData)
		})
	}
}

func TestFanOut_Map_IterationErrorWinsOverSize(t *testing.T) {
	// The first iteration fails on its own; its error is reported, not the
	// size of the outputs the others produced.
	src := header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    MaxConcurrency: 1
    Processor:
      StartAt: C
      States:
        - Name: C
          Type: Choice
          Branches:
            - {Condition: $Input == 0, Next: Bad}
          Default: Ok
        - {Name: Ok, Type: Pass, End: true}
        - {Name: Bad, Type: Task, Action: "Test:Fail", Parameters: {error: ItemFailed, cause: zero}, End: true}
    End: true
`
	res, _, _ := runFlow(t, src, indexes(100))
	wantResult(t, res, Failed, "", "ItemFailed")
}
