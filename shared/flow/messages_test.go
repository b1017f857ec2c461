package flow

import (
	"errors"
	"strings"
	"testing"
)

// TestParse_Messages checks each kind of message a user reads, with the
// issue's exact location: line and column of the offending character,
// inside expressions too (issue 8).
func TestParse_Messages(t *testing.T) {
	// States start on line 6 (hdr is three lines, then StartAt and States).
	newFlow := func(states string) string { return hdr + "StartAt: A\nStates:\n" + states }
	type want struct {
		path      string
		line, col int
		msg       string
	}
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"misspelt state field", newFlow("  - Name: A\n    Type: Pass\n    OutputConstrutor: {}\n    End: true\n"),
			[]want{{"States[0](A).OutputConstrutor", 8, 5, `unknown field "OutputConstrutor" in Pass state "A"; did you mean OutputConstructor?`}}},
		{"misspelt rule field", newFlow("  - Name: A\n    Type: Task\n    Action: FC:InvokeFunction\n    Retry: [{Errors: [E], MaxAttempts: 1, IntervalSeconds: 1, BackofRate: 2}]\n    End: true\n"),
			[]want{{"States[0](A).Retry[0].BackofRate", 9, 63, `unknown field "BackofRate" in a Retry rule; did you mean BackoffRate?`}}},
		{"misspelt state name", newFlow("  - Name: A\n    Type: Pass\n    Next: Dnoe\n  - Name: Done\n    Type: Succeed\n"),
			[]want{
				{"States[0](A).Next", 8, 11, `state "Dnoe" does not exist in this scope; did you mean "Done"?`},
				{"States[1](Done)", 9, 5, `state "Done" is unreachable`},
			}},
		{"misspelt function, column inside the expression", newFlow("  - Name: A\n    Type: Pass\n    InputConstructor:\n      a.$: length(lenght($Input.x))\n    End: true\n"),
			[]want{{"States[0](A).InputConstructor.a.$", 9, 19, `invalid expression "length(lenght($Input.x))": unknown function lenght; did you mean length?`}}},
		{"every error in a constructor", newFlow("  - Name: A\n    Type: Pass\n    OutputConstructor:\n      a.$: $input.x\n      b.$: format(\"x\", $Input.y\n      c: {d.$: $Output.z ==}\n    End: true\n"),
			[]want{
				{"States[0](A).OutputConstructor.a.$", 9, 12, `invalid expression "$input.x": unknown variable $input; did you mean $Input?`},
				{"States[0](A).OutputConstructor.b.$", 10, 32, `invalid expression "format(\"x\", $Input.y": missing ")" to close "format("`},
				{"States[0](A).OutputConstructor.c.d.$", 11, 28, `invalid expression "$Output.z ==": the expression ends too early: an operand is missing`},
			}},
		{"quoted expression", newFlow("  - Name: A\n    Type: Wait\n    Seconds.$: \"intAdd($Input.s 1)\"\n    End: true\n"),
			[]want{{"States[0](A).Seconds.$", 8, 33, `invalid expression "intAdd($Input.s 1)": unexpected number 1: a comma or an operator is missing before it`}}},
		{"condition in plain words", "Type: StateMachine\nSpecVersion: v1\nName: demo\nStartAt: C\nStates:\n  - Name: C\n    Type: Choice\n    Branches:\n      - Condition: $Input.a = 1\n        Next: C\n    Default: C\n",
			[]want{{"States[0](C).Branches[0].Condition", 9, 29, `invalid condition "$Input.a = 1": unexpected "=": compare with ==`}}},
		{"misspelt state type", newFlow("  - Name: A\n    Type: Taks\n    End: true\n"),
			[]want{{"States[0](A).Type", 7, 11, `unknown state type "Taks" (want Pass, Task, Wait, Choice, Succeed, Fail, Parallel or Map); did you mean Task?`}}},
		{"misspelt TaskMode", newFlow("  - Name: A\n    Type: Task\n    Action: FC:InvokeFunction\n    TaskMode: WaitForCustomCallBack\n    End: true\n"),
			[]want{{"States[0](A).TaskMode", 9, 15, "did you mean WaitForCustomCallback?"}}},
		{"legacy misspelt pattern", lhdr + "steps:\n  - {type: task, name: t, resourceArn: '" + fcArn + "', pattern: waitforcallback}\n",
			[]want{{"steps[0](t).pattern", 4, 105, "did you mean waitForCallback?"}}},
		{"ASL field", newFlow("  - Name: A\n    Type: Task\n    Resource: arn:aws:lambda:x\n    End: true\n"),
			[]want{
				{"States[0](A).Action", 6, 5, `Task state "A" needs an Action`},
				{"States[0](A).Resource", 8, 5, `unknown field "Resource" in Task state "A"; a Task names its integration in Action (e.g. FC:InvokeFunction) and its arguments in Parameters`},
			}},
		{"variable outside its field", newFlow("  - Name: A\n    Type: Wait\n    Seconds.$: $Output.s\n    InputConstructor: {a.$: $Item}\n    End: true\n"),
			[]want{
				{"States[0](A).Seconds.$", 8, 16, `invalid expression "$Output.s": $Output is not available in Seconds.$`},
				{"States[0](A).InputConstructor.a.$", 9, 29, `invalid expression "$Item": $Item is not available in InputConstructor`},
			}},
		{"AWS States Language", "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n",
			[]want{{"", 1, 1, "this looks like AWS States Language"}}},
		{"States as a map", hdr + "StartAt: A\nStates:\n  A: {Type: Pass, End: true}\n",
			[]want{{"States", 6, 3, "AWS States Language writes States as a map"}}},
		{"legacy misspelt field", lhdr + "steps:\n  - type: pass\n    name: p\n    inputMapings: []\n",
			[]want{{"steps[0](p).inputMapings", 6, 5, `unknown field "inputMapings" in pass step "p"; did you mean inputMappings?`}}},
		{"legacy goto", lhdr + "steps:\n  - {type: task, name: t, resourceArn: '" + fcArn + "', catch: [{errors: [E], goto: hanlder}]}\n  - {type: pass, name: handler}\n",
			[]want{{"steps[0](t).catch[0].goto", 4, 124, `goto target "hanlder" is not a sibling step; did you mean "handler"?`}}},
		{"legacy source in plain words", lhdr + "steps:\n  - type: pass\n    name: p\n    outputMappings: [{target: a, source: '$local.x[0'}]\n",
			[]want{{"steps[0](p).outputMappings[0].source", 6, 53, `invalid source "$local.x[0": missing "]"`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), ParseOptions{Name: "demo"})
			var is Issues
			if !errors.As(err, &is) {
				t.Fatalf("Parse() error = %v, want Issues", err)
			}
			if len(is) != len(tc.want) {
				t.Fatalf("got %d issues, want %d:\n%v", len(is), len(tc.want), strings.ReplaceAll(err.Error(), "; ", "\n"))
			}
			for i, w := range tc.want {
				g := is[i]
				if g.Path != w.path || g.Line != w.line || g.Column != w.col || !strings.Contains(g.Msg, w.msg) {
					t.Errorf("issue %d = %s:%d:%d: %s\nwant      %s:%d:%d: %s", i, g.Path, g.Line, g.Column, g.Msg, w.path, w.line, w.col, w.msg)
				}
			}
		})
	}
}
