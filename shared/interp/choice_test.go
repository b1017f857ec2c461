package interp

import "testing"

const routeFlow = header + `StartAt: Route
States:
  - Name: Route
    Type: Choice
    Branches:
      - Condition: $Input.kind == "bulk" && $Input.count >= 100
        Next: Bulk
      - Condition: $Input.kind == ` + "`single`" + `
        Next: Single
    Default: Reject
  - {Name: Bulk, Type: Pass, OutputConstructor: {route: bulk}, End: true}
  - {Name: Single, Type: Pass, OutputConstructor: {route: single}, End: true}
  - {Name: Reject, Type: Fail, Code: Rejected, Detail: no route}
`

func TestChoice_Run_Routes(t *testing.T) {
	tests := []struct {
		name, input, want, wantErr string
	}{
		{name: "first branch", input: `{"kind":"bulk","count":100}`, want: `{"route":"bulk"}`},
		{name: "first true branch wins in order", input: `{"kind":"single","count":500}`, want: `{"route":"single"}`},
		{name: "bulk below threshold goes to Default", input: `{"kind":"bulk","count":99}`, wantErr: "Rejected"},
		{name: "missing field compares false", input: `{}`, wantErr: "Rejected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, _ := runFlow(t, routeFlow, tc.input)
			if tc.wantErr != "" {
				wantResult(t, res, Failed, "", tc.wantErr)
				return
			}
			wantResult(t, res, Succeeded, tc.want, "")
		})
	}
}

func TestChoice_Run_OutputIsInput(t *testing.T) {
	src := header + `StartAt: C
States:
  - Name: C
    Type: Choice
    InputConstructor: {v.$: $Input.n}
    Branches:
      - {Condition: $Input.v > 1, Next: D}
    Default: D
  - {Name: D, Type: Succeed}
`
	res, _, _ := runFlow(t, src, `{"n":2,"other":true}`)
	wantResult(t, res, Succeeded, `{"v":2}`, "")
}
