package flow

import (
	"reflect"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// TestParse_Legacy_ServiceParams checks the FNF:StartExecution Parameters a
// sub-flow task compiles to (decision 62), evaluated on one step input.
func TestParse_Legacy_ServiceParams(t *testing.T) {
	in := map[string]any{"flow_name": "copy", "exec": "run-2", "job": map[string]any{"id": int64(7)}}
	tests := []struct {
		name string
		task string
		mode TaskMode
		want map[string]any
	}{
		{"arn without serviceParams", "resourceArn: 'acs:fnf:::flow/child'", RequestComplete,
			map[string]any{"resourceArn": "acs:fnf:::flow/child", "input": in}},
		{"arn with Input $ and a constant ExecutionName", "resourceArn: 'acs:fnf:::flow/child'\n    pattern: sync\n    serviceParams: {Input: $, ExecutionName: fixed}", WaitForSystemCallback,
			map[string]any{"resourceArn": "acs:fnf:::flow/child", "input": in, "executionName": "fixed"}},
		{"Input a $.path", "resourceArn: 'acs:fnf:::flow/child'\n    serviceParams: {Input: $.job}", RequestComplete,
			map[string]any{"resourceArn": "acs:fnf:::flow/child", "input": map[string]any{"id": int64(7)}}},
		{"constant Input", "resourceArn: 'acs:fnf:::flow/child'\n    serviceParams: {Input: {a: 1}}", RequestComplete,
			map[string]any{"resourceArn": "acs:fnf:::flow/child", "input": map[string]any{"a": int64(1)}}},
		{"FlowName overrides the arn", "resourceArn: 'acs:fnf:::flow/child'\n    serviceParams: {FlowName: other}", RequestComplete,
			map[string]any{"resourceArn": "acs:fnf:::flow/other", "input": in}},
		{"action fnf:StartExecution", "action: fnf:StartExecution\n    pattern: waitForCallback\n    serviceParams: {FlowName: $.flow_name, ExecutionName: $.exec, Input: $}", WaitForCustomCallback,
			map[string]any{"resourceArn": "acs:fnf:::flow/copy", "executionName": "run-2", "input": in}},
		{"product name case-insensitive", "action: FNF:StartExecution\n    serviceParams: {FlowName: child}", RequestComplete,
			map[string]any{"resourceArn": "acs:fnf:::flow/child", "input": in}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "version: v1beta1\ntype: flow\nsteps:\n  - type: task\n    name: sub\n    " + tc.task + "\n"
			f, err := Parse([]byte(src), ParseOptions{})
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			st := f.Root().States[0]
			if st.Action != "FNF:StartExecution" || st.TaskMode != tc.mode || st.Legacy.Result != ResultAsIs {
				t.Errorf("state = %s %s result %d, want FNF:StartExecution %s as is", st.Action, st.TaskMode, st.Legacy.Result, tc.mode)
			}
			got, err := st.Parameters.Eval(&eval.Env{Input: in})
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parameters = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestParse_Legacy_Context checks where each $context source compiles
// (decision 61): every one in a waitForCallback task's inputMappings, and
// the flow and execution names in flow-level mappings.
func TestParse_Legacy_Context(t *testing.T) {
	src := `version: v1beta1
type: flow
inputMappings:
  - {target: flow, source: $context.flow.name}
  - {target: exec, source: $context.execution.name}
steps:
  - type: task
    name: ask
    resourceArn: ` + fcArn + `
    pattern: waitForCallback
    inputMappings:
      - {target: token, source: $context.task.token}
      - {target: step, source: $context.step.name}
      - {target: event, source: $context.step.eventId}
    outputMappings:
      - {target: event, source: $context.step.eventId}
    errorMappings:
      - {target: step, source: $context.step.name}
`
	f, err := Parse([]byte(src), ParseOptions{})
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	ctx := &eval.Context{FlowName: "f", Execution: eval.ExecutionContext{Name: "e"},
		Current: eval.CurrentContext{Name: "ask", EventID: 5, TaskToken: "tok"}}
	in, _ := f.LegacyMappings()
	got, err := in.Eval(&eval.Env{Context: ctx})
	if want := map[string]any{"flow": "f", "exec": "e"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("flow inputMappings = %v, %v; want %v", got, err, want)
	}
	got, err = f.Root().States[0].Legacy.InputMappings.Eval(&eval.Env{Context: ctx})
	if want := map[string]any{"token": "tok", "step": "ask", "event": int64(5)}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("step inputMappings = %v, %v; want %v", got, err, want)
	}
}
