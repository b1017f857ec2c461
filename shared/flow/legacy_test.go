package flow

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const lhdr = "version: v1\ntype: flow\n"

const fcArn = "acs:fc:cn-hangzhou:123:services/demo/functions/greet"

func TestParse_Legacy_Valid(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
		src  string
		chk  func(t *testing.T, f *Flow)
	}{
		{
			name: "reference 8 example",
			src: lhdr + `name: demo
steps:
  - type: task
    name: greet
    resourceArn: ` + fcArn + `
    pattern: requestResponse
    timeoutSeconds: 30
    inputMappings:
      - target: who
        source: $input.name
    outputMappings:
      - target: text
        source: $local.message
    retry:
      - errors: [FC.ResourceThrottled]
        intervalSeconds: 2
        maxAttempts: 3
        multiplier: 2
    catch:
      - errors: [FnF.ALL]
        goto: done
  - type: succeed
    name: done
`,
			chk: func(t *testing.T, f *Flow) {
				if !f.Legacy() || f.Name() != "demo" || len(f.Root().States) != 2 {
					t.Fatalf("flow = %+v", f)
				}
				g := f.Root().States[0]
				if g.Type != Task || g.Action != "FC:InvokeFunction" || g.TaskMode != RequestComplete || g.Timeout != 30*time.Second {
					t.Errorf("task = %+v", g)
				}
				if g.Next != 1 || g.Catch[0].Next != 1 || !g.Catch[0].Matches("X") || g.Legacy.Result != ResultBody {
					t.Errorf("transitions: next %d catch %d", g.Next, g.Catch[0].Next)
				}
				if g.Legacy.InputMappings == nil || g.Legacy.OutputMappings == nil || g.Legacy.ErrorMappings != nil {
					t.Errorf("mappings = %+v", g.Legacy)
				}
				r := g.Retry[0]
				if r.Interval != 2*time.Second || r.MaxAttempts != 3 || r.BackoffRate != 2 || r.MaxBackoff != 86400*time.Second {
					t.Errorf("retry = %+v", r)
				}
			},
		},
		{
			name: "retry defaults 1s, 86400s, 3 attempts, multiplier 2",
			src:  lhdr + "steps:\n  - {type: task, name: t, resourceArn: " + fcArn + ", retry: [{errors: [E]}]}\n",
			chk: func(t *testing.T, f *Flow) {
				r := f.Root().States[0].Retry[0]
				if r.Interval != time.Second || r.MaxAttempts != 3 || r.BackoffRate != 2 || !r.HasMaxBackoff || r.MaxBackoff != 86400*time.Second {
					t.Errorf("retry = %+v", r)
				}
				if d := []time.Duration{r.Delay(1), r.Delay(2), r.Delay(3)}; d[0] != time.Second || d[1] != 2*time.Second || d[2] != 4*time.Second {
					t.Errorf("delays = %v, want 1s 2s 4s", d)
				}
			},
		},
		{
			name: "flow ARNs and patterns",
			src: lhdr + `steps:
  - {type: task, name: a, resourceArn: "acs:fnf:cn-hangzhou::flow/child", pattern: sync}
  - {type: task, name: b, resourceArn: "acs:fnf:cn-hangzhou:123:flow/child", pattern: waitForCallback}
  - {type: task, name: c, resourceArn: "` + fcArn + `", pattern: sync}
`,
			chk: func(t *testing.T, f *Flow) {
				s := f.Root().States
				if s[0].Action != "FNF:StartExecution" || s[0].TaskMode != WaitForSystemCallback || s[0].Legacy.Result != ResultAsIs {
					t.Errorf("a = %+v", s[0])
				}
				if s[1].TaskMode != WaitForCustomCallback || s[2].Action != "FC:InvokeFunction" || s[2].TaskMode != WaitForSystemCallback {
					t.Errorf("b, c = %+v %+v", s[1], s[2])
				}
			},
		},
		{
			name: "choice branches, default, fall-through and end",
			src: lhdr + `steps:
  - type: choice
    name: c
    choices:
      - condition: $.a == 1
        goto: z
      - condition: $input.b > 2
        steps:
          - {type: pass, name: inner}
    default:
      steps:
        - {type: pass, name: d}
  - {type: pass, name: y, end: true}
  - {type: pass, name: z}
`,
			chk: func(t *testing.T, f *Flow) {
				c := f.Root().States[0]
				if c.Choices[0].Next != 2 || c.Choices[1].Next != 1 || c.Default != 1 || c.Next != NoState {
					t.Errorf("choice targets %d %d default %d next %d", c.Choices[0].Next, c.Choices[1].Next, c.Default, c.Next)
				}
				if c.Legacy.ChoiceSteps[0] != nil || len(c.Legacy.ChoiceSteps[1].States) != 1 || len(c.Legacy.DefaultSteps.States) != 1 {
					t.Errorf("inline steps = %+v", c.Legacy)
				}
				if y := f.Root().States[1]; y.Next != NoState || !y.End {
					t.Errorf("y = %+v", y)
				}
			},
		},
		{
			name: "choice without default falls through",
			src:  lhdr + "steps:\n  - {type: choice, name: c, choices: [{condition: $.a == 1, goto: z}]}\n  - {type: pass, name: z}\n",
			chk: func(t *testing.T, f *Flow) {
				if c := f.Root().States[0]; c.Default != 1 || c.Choices[0].Next != 1 {
					t.Errorf("default = %d", c.Default)
				}
			},
		},
		{
			name: "parallel, foreach, wait and fail",
			src: lhdr + `steps:
  - type: parallel
    name: p
    branches:
      - steps: [{type: pass, name: a}]
      - steps: [{type: pass, name: a}]
  - type: foreach
    name: f
    iterationMapping: {collection: $input.xs, item: x, index: i}
    steps: [{type: pass, name: a}]
  - {type: wait, name: w1, duration: 5}
  - {type: wait, name: w2, duration: $.secs}
  - {type: wait, name: w3, timestamp: "2024-01-02T03:04:05Z"}
  - {type: wait, name: w4, timestamp: $.at}
  - {type: fail, name: x, error: E, cause: C}
`,
			chk: func(t *testing.T, f *Flow) {
				s := f.Root().States
				if len(s[0].Branches) != 2 || !s[0].Legacy.NoDefaultOutput {
					t.Errorf("parallel = %+v", s[0])
				}
				if s[1].Type != Map || s[1].MaxConcurrency != 100 || s[1].Legacy.Item != "x" || s[1].Legacy.Index != "i" || s[1].Legacy.Collection == nil || s[1].Processor == nil {
					t.Errorf("foreach = %+v", s[1])
				}
				if s[2].Legacy.Duration != 5*time.Second || s[3].Legacy.DurationExpr == nil || !s[4].Legacy.HasTimestamp || s[4].Legacy.Timestamp.Hour() != 3 || s[5].Legacy.TimestampExpr == nil {
					t.Errorf("waits = %+v %+v %+v %+v", s[2].Legacy, s[3].Legacy, s[4].Legacy, s[5].Legacy)
				}
				if s[6].Code != "E" || s[6].Detail != "C" {
					t.Errorf("fail = %+v", s[6])
				}
			},
		},
		{
			name: "flow-level mappings",
			src:  lhdr + "inputMappings: [{target: a, source: $input.x}]\noutputMappings: [{target: b, source: 3}]\nsteps: [{type: pass, name: p}]\n",
			chk: func(t *testing.T, f *Flow) {
				if in, out := f.LegacyMappings(); in == nil || out == nil {
					t.Errorf("LegacyMappings() = %v, %v", in, out)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.src), ParseOptions{Name: "demo", Mode: tc.mode})
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			tc.chk(t, f)
		})
	}
}

func TestParse_Legacy_Invalid(t *testing.T) {
	type wantIssue struct{ path, msg string }
	step := func(s string) string { return lhdr + "steps:\n  - " + s + "\n" }
	tests := []struct {
		name string
		mode Mode
		src  string
		want []wantIssue
	}{
		{"bad version", Standard, "version: v2\ntype: flow\nsteps: [{type: pass, name: p}]\n", []wantIssue{{"version", "version must be v1 or v1beta1"}}},
		{"name mismatch", Standard, lhdr + "name: other\nsteps: [{type: pass, name: p}]\n", []wantIssue{{"name", `does not match the flow name "demo"`}}},
		{"no steps", Standard, lhdr, []wantIssue{{"steps", "steps is required"}}},
		{"unknown top-level field", Standard, lhdr + "timeout: 3\nsteps: [{type: pass, name: p}]\n", []wantIssue{{"timeout", `unknown field "timeout"`}}},
		{"unknown step type", Standard, step("{type: map, name: m}"), []wantIssue{{"steps[0](m).type", `unknown step type "map"`}}},
		{"missing name and type", Standard, step("{end: true}"), []wantIssue{{"steps[0].name", "name is required"}, {"steps[0].type", "type is required"}}},
		{"unknown field on pass", Standard, step("{type: pass, name: p, resourceArn: x}"), []wantIssue{{"steps[0](p).resourceArn", `unknown field "resourceArn" in pass step "p"`}}},
		{"retry on parallel", Standard, step("{type: parallel, name: p, retry: [], branches: [{steps: [{type: pass, name: a}]}]}"), []wantIssue{{"steps[0](p).retry", "unknown field"}}},
		{"duplicate names", Standard, lhdr + "steps:\n  - {type: pass, name: a}\n  - {type: pass, name: a}\n", []wantIssue{{"steps[1](a).name", "duplicate step name"}}},
		{"mns arn", Standard, step("{type: task, name: t, resourceArn: 'acs:mns:cn-hangzhou:123:/queues/q/messages'}"), []wantIssue{{"steps[0](t).resourceArn", "MNS resourceArn"}}},
		{"unknown arn", Standard, step("{type: task, name: t, resourceArn: 'acs:oss:x'}"), []wantIssue{{"steps[0](t).resourceArn", "neither a Function Compute function nor a flow"}}},
		{"missing arn", Standard, step("{type: task, name: t}"), []wantIssue{{"steps[0](t).resourceArn", "needs a resourceArn"}}},
		{"bad pattern", Standard, step("{type: task, name: t, resourceArn: '" + fcArn + "', pattern: async}"), []wantIssue{{"steps[0](t).pattern", "pattern must be"}}},
		{"callback in express", Express, step("{type: task, name: t, resourceArn: '" + fcArn + "', pattern: waitForCallback}"), []wantIssue{{"steps[0](t).pattern", "not allowed in Express"}}},
		{"timeout range", Standard, step("{type: task, name: t, resourceArn: '" + fcArn + "', timeoutSeconds: 0}"), []wantIssue{{"steps[0](t).timeoutSeconds", "between 1 and 604800"}}},
		{"retry fields", Standard, step("{type: task, name: t, resourceArn: '" + fcArn + "', retry: [{maxAttempts: -1, intervalSeconds: 86401, maxIntervalSeconds: 0, multiplier: 0.5, BackoffRate: 2}]}"), []wantIssue{
			{"steps[0](t).retry[0].errors", "errors is required"},
			{"steps[0](t).retry[0].maxAttempts", "between 0 and"},
			{"steps[0](t).retry[0].intervalSeconds", "between 0 and 86400"},
			{"steps[0](t).retry[0].maxIntervalSeconds", "between 1 and 86400"},
			{"steps[0](t).retry[0].multiplier", "at least 1"},
			{"steps[0](t).retry[0].BackoffRate", "unknown field"},
		}},
		{"catch without goto", Standard, step("{type: task, name: t, resourceArn: '" + fcArn + "', catch: [{errors: [E]}]}"), []wantIssue{{"steps[0](t).catch[0].goto", "goto is required"}}},
		{"catch goto not a sibling", Standard, lhdr + "steps:\n  - {type: task, name: t, resourceArn: '" + fcArn + "', catch: [{errors: [E], goto: inner}]}\n  - {type: parallel, name: p, branches: [{steps: [{type: pass, name: inner}]}]}\n", []wantIssue{{"steps[0](t).catch[0].goto", `goto target "inner" is not a sibling step`}}},
		{"context source", Standard, step("{type: pass, name: p, outputMappings: [{target: a, source: $context.x}]}"), []wantIssue{{"steps[0](p).outputMappings[0].source", "unsupported $context.x (supported: $context.flow.name, $context.execution.name, $context.step.name, $context.step.eventId, $context.task.token)"}}},
		{"task token outside a callback task", Standard, step("{type: task, name: t, resourceArn: '" + fcArn + "', inputMappings: [{target: tok, source: $context.task.token}]}"), []wantIssue{{"steps[0](t).inputMappings[0].source", "only available in the inputMappings of a task whose pattern is waitForCallback"}}},
		{"task token in outputMappings", Standard, step("{type: task, name: t, resourceArn: '" + fcArn + "', pattern: waitForCallback, outputMappings: [{target: tok, source: $context.task.token}]}"), []wantIssue{{"steps[0](t).outputMappings[0].source", "only available in the inputMappings"}}},
		{"step context at flow level", Standard, lhdr + "inputMappings: [{target: e, source: $context.step.eventId}]\nsteps: [{type: pass, name: p}]\n", []wantIssue{{"inputMappings[0].source", "only available in the mappings of a step"}}},
		{"context in a collection", Standard, step("{type: foreach, name: f, iterationMapping: {collection: $context.flow.name, item: x}, steps: [{type: pass, name: a}]}"), []wantIssue{{"steps[0](f).iterationMapping.collection", "$context is only a mapping source"}}},
		{"openapi action", Standard, step("{type: task, name: t, action: 'ocr:RecognizeIdentityCard', serviceParams: {ImageURL: $.url}}"), []wantIssue{{"steps[0](t).action", `action "ocr:RecognizeIdentityCard" is not supported: the only action is fnf:StartExecution (Alibaba Cloud OpenAPI tasks are not supported)`}}},
		{"action and arn", Standard, step("{type: task, name: t, action: 'fnf:StartExecution', resourceArn: 'acs:fnf:::flow/c'}"), []wantIssue{{"steps[0](t).action", "both resourceArn and action"}}},
		{"action without serviceParams", Standard, step("{type: task, name: t, action: 'fnf:StartExecution'}"), []wantIssue{{"steps[0](t).serviceParams", "needs serviceParams with FlowName"}}},
		{"action without FlowName", Standard, step("{type: task, name: t, action: 'FnF:StartExecution', serviceParams: {Input: $}}"), []wantIssue{{"steps[0](t).serviceParams.FlowName", "needs FlowName"}}},
		{"serviceParams on FC", Standard, step("{type: task, name: t, resourceArn: '" + fcArn + "', serviceParams: {Input: $}}"), []wantIssue{{"steps[0](t).serviceParams", "serviceParams is not supported on a Function Compute task"}}},
		{"serviceParams keys and values", Standard, step("{type: task, name: t, resourceArn: 'acs:fnf:::flow/c', serviceParams: {Inptu: $, ExecutionName: 3, Input: $local.x, FlowName: ''}}"), []wantIssue{
			{"steps[0](t).serviceParams.Inptu", `unknown serviceParams key "Inptu" of a sub-flow task (its keys: FlowName, ExecutionName, Input)`},
			{"steps[0](t).serviceParams.ExecutionName", "ExecutionName must be a string"},
			{"steps[0](t).serviceParams.Input", "a serviceParams value is $, a $.path into the step input, or a constant"},
			{"steps[0](t).serviceParams.FlowName", "FlowName must be a flow name"},
		}},
		{"serviceParams constant input not an object", Standard, step("{type: task, name: t, resourceArn: 'acs:fnf:::flow/c', serviceParams: {Input: [1]}}"), []wantIssue{{"steps[0](t).serviceParams.Input", "Input must be $, a $.path or an object"}}},
		{"bad source root", Standard, step("{type: pass, name: p, outputMappings: [{target: a, source: $Input.x}]}"), []wantIssue{{"steps[0](p).outputMappings[0].source", "must start with $input or $local"}}},
		{"mapping shape", Standard, step("{type: pass, name: p, inputMappings: [{target: a}, {target: b, source: 1, extra: 2}, {target: b, source: 2}]}"), []wantIssue{
			{"steps[0](p).inputMappings[0]", "needs target and source"},
			{"steps[0](p).inputMappings[1].extra", "unknown field"},
			{"steps[0](p).inputMappings[2].target", "duplicate target"},
		}},
		{"mappings not a list", Standard, step("{type: pass, name: p, inputMappings: {a: 1}}"), []wantIssue{{"steps[0](p).inputMappings", "must be a list"}}},
		{"choice without choices", Standard, step("{type: choice, name: c}"), []wantIssue{{"steps[0](c).choices", "needs choices"}}},
		{"choice condition", Standard, step("{type: choice, name: c, choices: [{steps: [{type: pass, name: a}]}, {condition: '$.a ==', goto: c}, {condition: '$context.x == 1'}]}"), []wantIssue{
			{"steps[0](c).choices[0].condition", "condition is required"},
			{"steps[0](c).choices[1].condition", "invalid condition"},
			{"steps[0](c).choices[2].condition", "$context is only a mapping source"},
		}},
		{"choice default unknown field", Standard, step("{type: choice, name: c, choices: [{condition: $.a == 1}], default: {next: x}}"), []wantIssue{{"steps[0](c).default.next", "unknown field"}}},
		{"parallel without branches", Standard, step("{type: parallel, name: p}"), []wantIssue{{"steps[0](p).branches", "needs branches"}}},
		{"parallel branch without steps", Standard, step("{type: parallel, name: p, branches: [{}]}"), []wantIssue{{"steps[0](p).branches[0].steps", "a branch needs steps"}}},
		{"foreach fields", Standard, step("{type: foreach, name: f, iterationMapping: {collection: $local.xs, index: ''}}"), []wantIssue{
			{"steps[0](f).iterationMapping.collection", "must start with $input or $"},
			{"steps[0](f).iterationMapping.item", "item is required"},
			{"steps[0](f).iterationMapping.index", "other than item"},
			{"steps[0](f).steps", "needs steps"},
		}},
		{"wait both", Standard, step("{type: wait, name: w, duration: 1, timestamp: '2024-01-01T00:00:00Z'}"), []wantIssue{{"steps[0](w).duration", "either duration or timestamp"}}},
		{"wait neither", Standard, step("{type: wait, name: w}"), []wantIssue{{"steps[0](w).duration", "needs duration or timestamp"}}},
		{"wait over the Express bound", Express, step("{type: wait, name: w, duration: 21}"), []wantIssue{{"steps[0](w).duration", "between 1 and 20 seconds"}}},
		{"wait zero in Express", Express, step("{type: wait, name: w, duration: 0}"), []wantIssue{{"steps[0](w).duration", "between 1 and 20 seconds"}}},
		{"wait too long", Standard, step("{type: wait, name: w, duration: 172801}"), []wantIssue{{"steps[0](w).duration", "between 0 and 172800"}}},
		{"wait bad timestamp", Standard, step("{type: wait, name: w, timestamp: tomorrow}"), []wantIssue{{"steps[0](w).timestamp", "not RFC 3339"}}},
		{"unreachable after succeed", Standard, lhdr + "steps:\n  - {type: succeed, name: s}\n  - {type: pass, name: p}\n", []wantIssue{{"steps[1](p)", `step "p" is unreachable`}}},
		{"unreachable after end", Standard, lhdr + "steps:\n  - {type: pass, name: a, end: true}\n  - {type: pass, name: p}\n", []wantIssue{{"steps[1](p)", `step "p" is unreachable`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.src), ParseOptions{Name: "demo", Mode: tc.mode})
			if f != nil || err == nil {
				t.Fatalf("Parse() = %v, %v; want issues", f, err)
			}
			var is Issues
			if !errors.As(err, &is) {
				t.Fatalf("error %T is not Issues", err)
			}
			for _, w := range tc.want {
				found := false
				for _, i := range is {
					if i.Path == w.path && strings.Contains(i.Msg, w.msg) && i.Line > 0 {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("missing located issue %s: %q\ngot: %v", w.path, w.msg, err)
				}
			}
			if len(is) != len(tc.want) {
				t.Errorf("got %d issues, want %d: %v", len(is), len(tc.want), err)
			}
		})
	}
}

func TestParse_Legacy_KnownAction(t *testing.T) {
	src := lhdr + "steps:\n  - {type: task, name: t, resourceArn: 'acs:fnf:cn-hangzhou::flow/c'}\n"
	_, err := Parse([]byte(src), ParseOptions{KnownAction: func(a string) bool { return a == "FC:InvokeFunction" }})
	if err == nil || !strings.Contains(err.Error(), `Action "FNF:StartExecution" is not supported`) {
		t.Fatalf("Parse() error = %v, want FNF:StartExecution not supported", err)
	}
}

// TestParse_Legacy_ConditionStringMentioningContext: only a $context path is
// rejected in a legacy condition, not a string literal that mentions it.
func TestParse_Legacy_ConditionStringMentioningContext(t *testing.T) {
	src := lhdr + `steps:
  - {type: choice, name: c, choices: [{condition: '$.a == "$context"', goto: p}], default: {goto: p}}
  - {type: pass, name: p}
`
	if _, err := Parse([]byte(src), ParseOptions{Name: "demo", Mode: Standard}); err != nil {
		t.Fatalf("Parse: %v", err)
	}
}
