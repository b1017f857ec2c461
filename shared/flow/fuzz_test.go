package flow

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics or hangs, and that it returns
// either a flow or Issues, never both and never another error type.
func FuzzParse(f *testing.F) {
	seeds := []string{
		hdr + "StartAt: Only\nStates:\n  - Name: Only\n    Type: Pass\n    End: true\n",
		`{"Type":"StateMachine","SpecVersion":"v1","StartAt":"A","States":[{"Name":"A","Type":"Wait","Seconds":3,"End":true}]}`,
		hdr + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - {StartAt: A, States: [{Name: A, Type: Pass, OutputConstructor: {amount: 10}, End: true}]}
    Next: M
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    ItemConstructor: {v.$: $Item}
    Processor: {StartAt: T, States: [{Name: T, Type: Task, Action: "FC:InvokeFunction", Retry: [{Errors: [FnF.ALL], MaxAttempts: 1, IntervalSeconds: 1}], End: true}]}
    Next: C
  - Name: C
    Type: Choice
    Branches: [{Condition: $Input.a == "x" && !($Input.b < 2), Next: F}]
    Default: S
  - {Name: F, Type: Fail, Detail: d}
  - {Name: S, Type: Succeed}
`,
		"version: v1\ntype: flow\nsteps: []\n",
		"Type: StateMachine\nStates: [{Name: A, Type: Choice}]\n",
		"Type: StateMachine\nStates: &a [*a]\n",
		"[[[[[[[[[[",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		fl, err := Parse(src, ParseOptions{Mode: Express})
		if (fl == nil) == (err == nil) {
			t.Fatalf("Parse() = %v, %v: want exactly one of flow and error", fl, err)
		}
		if err != nil {
			var is Issues
			if !errors.As(err, &is) || len(is) == 0 || len(is) > MaxIssues {
				t.Fatalf("error %T %v is not 1..%d Issues", err, err, MaxIssues)
			}
		}
	})
}
