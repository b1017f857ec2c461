package interp

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

func TestPass_Run_Cases(t *testing.T) {
	tests := []struct {
		name, src, input, want string
	}{
		{
			name: "no constructors passes input through",
			src: header + `StartAt: A
States:
  - {Name: A, Type: Pass, End: true}
`,
			input: `{"a":1,"b":[true,null]}`, want: `{"a":1,"b":[true,null]}`,
		},
		{
			name: "InputConstructor replaces the input (reference 3.3)",
			src: header + `StartAt: A
States:
  - Name: A
    Type: Pass
    InputConstructor: {FieldA: 123}
    End: true
`,
			input: `{"requestId":"abc"}`, want: `{"FieldA":123}`,
		},
		{
			name: "OutputConstructor reads $Input after InputConstructor and $Context",
			src: header + `StartAt: Shape
States:
  - Name: Shape
    Type: Pass
    InputConstructor:
      region: cn-hangzhou
      orderId.$: $Context.Execution.Input.id
    OutputConstructor:
      order.$: $Input.orderId
      idChars.$: length($Input.orderId)
      runBy.$: $Context.Execution.Name
      region.$: $Input.region
    End: true
`,
			input: `{"id":"o-123"}`, want: `{"order":"o-123","idChars":5,"runBy":"exec-1","region":"cn-hangzhou"}`,
		},
		{
			name: "InputConstructor $Input is the raw incoming input",
			src: header + `StartAt: A
States:
  - Name: A
    Type: Pass
    InputConstructor: {x.$: $Input.v}
    Next: B
  - Name: B
    Type: Pass
    InputConstructor: {y.$: $Input.x, name.$: $Context.Current.Name}
    End: true
`,
			input: `{"v":7}`, want: `{"y":7,"name":"B"}`,
		},
		{
			name: "Next chains states in order",
			src: header + `StartAt: A
States:
  - {Name: C, Type: Pass, OutputConstructor: {c.$: $Input.b}, End: true}
  - {Name: A, Type: Pass, OutputConstructor: {a: 1}, Next: B}
  - {Name: B, Type: Pass, OutputConstructor: {b.$: $Input.a}, Next: C}
`,
			input: `{}`, want: `{"c":1}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, _ := runFlow(t, tc.src, tc.input)
			wantResult(t, res, Succeeded, tc.want, "")
		})
	}
}

func TestPass_Run_Errors(t *testing.T) {
	tests := []struct {
		name, src, input, wantErr string
	}{
		{
			name: "missing path in a .$ field is FnF.ExpressionError",
			src: header + `StartAt: A
States:
  - {Name: A, Type: Pass, OutputConstructor: {x.$: $Input.missing}, End: true}
`,
			input: `{}`, wantErr: ErrorExpression,
		},
		{
			name: "execution input must be an object",
			src: header + `StartAt: A
States:
  - {Name: A, Type: Pass, End: true}
`,
			input: `[1,2]`, wantErr: ErrorInvalidData,
		},
		{
			name: "invalid JSON input",
			src: header + `StartAt: A
States:
  - {Name: A, Type: Pass, End: true}
`,
			input: `{"a":`, wantErr: ErrorInvalidData,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, _ := runFlow(t, tc.src, tc.input)
			wantResult(t, res, Failed, "", tc.wantErr)
		})
	}
}

func TestPass_Run_EmptyInputIsObject(t *testing.T) {
	res, _, _ := runFlow(t, header+"StartAt: A\nStates:\n  - {Name: A, Type: Pass, End: true}\n", "")
	wantResult(t, res, Succeeded, `{}`, "")
}

func TestPass_Run_ConstructorSizeLimit(t *testing.T) {
	// {"s":"xxxx","n":12} is 19 bytes: within a 19-byte limit, not 18.
	tests := []struct {
		field  string
		limit  int
		status Status
	}{
		{field: "InputConstructor", limit: 19, status: Succeeded},
		{field: "InputConstructor", limit: 18, status: Failed},
		{field: "OutputConstructor", limit: 19, status: Succeeded},
		{field: "OutputConstructor", limit: 18, status: Failed},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.field, tc.limit), func(t *testing.T) {
			src := header + "StartAt: P\nStates:\n  - {Name: P, Type: Pass, " + tc.field + ": {s: xxxx, n.$: $Input.n}, End: true}\n"
			e := New(Options{Clock: newFakeClock(), MaxPayloadBytes: tc.limit})
			res := e.Run(context.Background(), mustParse(t, flow.Standard, src), Execution{Name: "x", Input: []byte(`{"n":12}`)})
			wantResult(t, res, tc.status, `{"s":"xxxx","n":12}`, ErrorInvalidData)
			if tc.status == Failed && !strings.Contains(res.Cause, "larger than 18 bytes (at least 19)") {
				t.Errorf("Cause = %q, want the limit and the size", res.Cause)
			}
		})
	}
}
