package interp

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

const lhdr = "version: v1\ntype: flow\n"

const lfc = "acs:fc:cn-hangzhou:123:services/demo/functions/"

func TestEngine_Run_Legacy(t *testing.T) {
	tests := []struct {
		name, src, input string
		status           Status
		output, errName  string
		sleeps           []time.Duration
	}{
		{
			name: "task event is the step input and $local the FC Body",
			src: lhdr + `steps:
  - type: task
    name: t
    resourceArn: ` + lfc + `echo
    inputMappings: [{target: who, source: $input.name}, {target: n, source: 2}]
    outputMappings: [{target: got, source: $local}, {target: in, source: $input.who}]
`,
			input: `{"name":"ann","x":1}`, status: Succeeded,
			output: `{"got":{"who":"ann","n":2},"in":"ann"}`,
		},
		{
			name:  "timeoutSeconds overrun is FnF.TaskTimeout",
			src:   lhdr + "steps:\n  - {type: task, name: t, resourceArn: '" + lfc + "block', timeoutSeconds: 1}\n",
			input: `{}`, status: Failed, errName: ErrorTaskTimeout,
		},
		{
			name: "task timeout retried by FnF.TaskTimeout, then caught by FnF.Timeout",
			src: lhdr + `steps:
  - type: task
    name: t
    resourceArn: ` + lfc + `block
    timeoutSeconds: 2
    retry: [{errors: [FnF.TaskTimeout], maxAttempts: 1, intervalSeconds: 1}]
    errorMappings: [{target: e, source: $local.error}]
    catch: [{errors: [FnF.Timeout], goto: h}]
  - {type: pass, name: skipped, end: true}
  - {type: pass, name: h}
`,
			input: `{}`, status: Succeeded, output: `{"e":"FnF.TaskTimeout"}`,
			sleeps: []time.Duration{2 * time.Second, time.Second, 2 * time.Second},
		},
		{
			name: "task timeout caught by FnF.TaskTimeout",
			src: lhdr + `steps:
  - type: task
    name: t
    resourceArn: ` + lfc + `block
    timeoutSeconds: 1
    errorMappings: [{target: e, source: $local.error}]
    catch: [{errors: [FnF.TaskTimeout], goto: h}]
  - {type: pass, name: skipped, end: true}
  - {type: pass, name: h}
`,
			input: `{}`, status: Succeeded, output: `{"e":"FnF.TaskTimeout"}`,
		},
		{
			name: "$context sources of step and flow mappings",
			src: "version: v1beta1\ntype: flow\nname: ctxflow\n" + `inputMappings: [{target: flow, source: $context.flow.name}]
outputMappings: [{target: flow, source: $input.flow}, {target: step, source: $local.step}, {target: exec, source: $local.exec}, {target: event, source: $local.event}]
steps:
  - type: pass
    name: p
    outputMappings: [{target: step, source: $context.step.name}, {target: exec, source: $context.execution.name}, {target: event, source: $context.step.eventId}]
`,
			input: `{}`, status: Succeeded, output: `{"flow":"ctxflow","step":"p","exec":"exec-1","event":0}`,
		},
		{
			name: "flaky task retried with the default multiplier 2",
			src: lhdr + `steps:
  - type: task
    name: t
    resourceArn: ` + lfc + `flaky
    inputMappings: [{target: error, source: FC.ResourceThrottled}, {target: failures, source: 2}]
    retry: [{errors: [FC.ResourceThrottled], intervalSeconds: 10}]
`,
			input: `{}`, status: Succeeded, output: `{"attempt":2}`,
			sleeps: []time.Duration{10 * time.Second, 20 * time.Second},
		},
		{
			name: "foreach keeps element order with many iterations",
			src: lhdr + `steps:
  - type: foreach
    name: f
    iterationMapping: {collection: $.xs, item: x, index: i}
    steps: [{type: pass, name: p, outputMappings: [{target: v, source: $input.x}, {target: i, source: $input.i}]}]
    outputMappings: [{target: vs, source: "$local[*].v"}, {target: is, source: "$local[*].i"}]
`,
			input: `{"xs":[5,4,3,2,1,0,9,8,7,6,5,4,3,2,1]}`, status: Succeeded,
			output: `{"vs":[5,4,3,2,1,0,9,8,7,6,5,4,3,2,1],"is":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14]}`,
		},
		{
			name:  "foreach collection not an array",
			src:   lhdr + "steps:\n  - {type: foreach, name: f, iterationMapping: {collection: $.xs, item: x}, steps: [{type: pass, name: p}]}\n",
			input: `{"xs":3}`, status: Failed, errName: ErrorExpression,
		},
		{
			name:  "missing mapping source is FnF.ExpressionError",
			src:   lhdr + "steps:\n  - {type: pass, name: p, inputMappings: [{target: a, source: $input.nope}]}\n",
			input: `{}`, status: Failed, errName: ErrorExpression,
		},
		{
			name:  "wait duration out of range at run time",
			src:   lhdr + "steps:\n  - {type: wait, name: w, duration: $.s}\n",
			input: `{"s":172801}`, status: Failed, errName: ErrorExpression,
		},
		{
			name:  "subflow waitForCallback result is $local as is",
			src:   lhdr + "steps:\n  - {type: task, name: t, resourceArn: 'acs:fnf:cn-hangzhou::flow/c', pattern: sync, inputMappings: [{target: a, source: 1}]}\n",
			input: `{}`, status: Succeeded, output: `{"child":{"a":1}}`,
		},
		{
			name: "catch fires after retries; errorMappings see $input and error/cause",
			src: lhdr + `steps:
  - type: task
    name: t
    resourceArn: ` + lfc + `fail
    inputMappings: [{target: error, source: E}, {target: cause, source: why}]
    retry: [{errors: [E], maxAttempts: 1, intervalSeconds: 3}]
    errorMappings: [{target: e, source: $local.error}, {target: c, source: $local.cause}, {target: in, source: $input.cause}]
    catch: [{errors: [E], goto: h}]
  - {type: pass, name: skipped, end: true, outputMappings: [{target: bad, source: 1}]}
  - {type: pass, name: h}
`,
			input: `{}`, status: Succeeded, output: `{"e":"E","c":"why","in":"why"}`,
			sleeps: []time.Duration{3 * time.Second},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, clock, _ := runFlow(t, tc.src, tc.input)
			wantResult(t, res, tc.status, tc.output, tc.errName)
			if tc.sleeps != nil && fmt.Sprint(clock.Sleeps()) != fmt.Sprint(tc.sleeps) {
				t.Errorf("sleeps = %v, want %v", clock.Sleeps(), tc.sleeps)
			}
		})
	}
}

func TestEngine_Resume_Legacy(t *testing.T) {
	src := lhdr + `inputMappings: [{target: base, source: $input.b}]
outputMappings: [{target: sum, source: $local}, {target: base, source: $input.base}]
steps:
  - {type: pass, name: a, outputMappings: [{target: a, source: $input.base}]}
  - {type: pass, name: b, outputMappings: [{target: b, source: $input.a}]}
`
	f := mustParse(t, flow.Standard, src)
	e := New(Options{Clock: newFakeClock()})
	ex := Execution{Name: "x", Input: []byte(`{"b":7}`)}
	m := e.Start(f, ex)
	if m.Step(context.Background()) {
		t.Fatal("finished after one step")
	}
	cp, err := m.Checkpoint()
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	m2, err := e.Resume(f, ex, cp)
	if err != nil {
		t.Fatalf("Resume: %v", err)
	}
	for !m2.Step(context.Background()) {
	}
	wantResult(t, m2.Result(), Succeeded, `{"sum":{"a":7,"b":7},"base":7}`, "")
}

func TestEngine_Run_LegacyFlowInputMappingFails(t *testing.T) {
	res, _, _ := runFlow(t, lhdr+"inputMappings: [{target: a, source: $input.missing}]\nsteps: [{type: pass, name: p}]\n", `{}`)
	wantResult(t, res, Failed, "", ErrorExpression)
	if !strings.Contains(res.Cause, "flow inputMappings") {
		t.Errorf("Cause = %q, want it to name the flow inputMappings", res.Cause)
	}
}

func BenchmarkRun_LegacyPassChoicePass(b *testing.B) {
	src := lhdr + `steps:
  - {type: pass, name: a, outputMappings: [{target: seen, source: true}]}
  - type: choice
    name: c
    choices:
      - {condition: $.kind == "bulk", goto: b}
  - {type: pass, name: b, outputMappings: [{target: id, source: $input.id}, {target: kind, source: done}]}
`
	f := mustParse(b, flow.Standard, src)
	e := New(Options{})
	ex := Execution{Name: "bench", Input: []byte(`{"id":"o-1","kind":"bulk","count":3}`)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res := e.Run(ctx, f, ex)
		if res.Status != Succeeded {
			b.Fatalf("Run = %+v", res)
		}
	}
}

// TestEngine_Run_LegacyWaitExpressBound: in an Express flow a legacy wait
// obeys the Express Wait bound (1 to 20 seconds), also for $.key durations
// and timestamps evaluated at run time.
func TestEngine_Run_LegacyWaitExpressBound(t *testing.T) {
	tests := []struct {
		name, src, input string
		status           Status
		output, errName  string
	}{
		{"duration in range", "duration: $.s", `{"s":20}`, Succeeded, `{}`, ""},
		{"duration over 20", "duration: $.s", `{"s":21}`, Failed, "", ErrorExpression},
		{"duration zero", "duration: $.s", `{"s":0}`, Failed, "", ErrorExpression},
		// The test clock stands at 2024-01-02T03:04:05Z.
		{"timestamp in range", "timestamp: $.at", `{"at":"2024-01-02T03:04:25Z"}`, Succeeded, `{}`, ""},
		{"timestamp past", "timestamp: $.at", `{"at":"2024-01-01T00:00:00Z"}`, Succeeded, `{}`, ""},
		{"timestamp too far ahead", "timestamp: $.at", `{"at":"2024-01-02T03:05:05Z"}`, Failed, "", ErrorExpression},
		{"constant timestamp too far ahead", "timestamp: '2024-01-02T03:05:05Z'", `{}`, Failed, "", ErrorExpression},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := lhdr + "steps:\n  - {type: wait, name: w, " + tc.src + "}\n"
			clock := newFakeClock()
			e := New(Options{Clock: clock})
			res := e.Run(context.Background(), mustParse(t, flow.Express, src), Execution{Name: "exec-1", Input: []byte(tc.input)})
			wantResult(t, res, tc.status, tc.output, tc.errName)
			for _, d := range clock.Sleeps() {
				if d > 20*time.Second {
					t.Errorf("slept %v, more than the Express bound", d)
				}
			}
		})
	}
}
