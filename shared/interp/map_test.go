package interp

import (
	"fmt"
	"strings"
	"testing"
)

func TestMap_Run_Cases(t *testing.T) {
	tests := []struct {
		name, src, input, want, wantErr string
	}{
		{
			name: "ItemConstructor with $Item and $Context, output in item order",
			src: header + `StartAt: EachLine
States:
  - Name: EachLine
    Type: Map
    ItemsPath: $Input.lines
    MaxConcurrency: 8
    ItemConstructor:
      line.$: $Item
      batch.$: $Context.Execution.Name
    Processor:
      StartAt: Price
      States:
        - {Name: Price, Type: Task, Action: "Test:Echo", Parameters: {l.$: $Input.line, b.$: $Input.batch}, End: true}
    OutputConstructor:
      priced.$: $Output.Items
    End: true
`,
			input: `{"lines":["a","b","c"]}`,
			want:  `{"priced":[{"l":"a","b":"exec-1"},{"l":"b","b":"exec-1"},{"l":"c","b":"exec-1"}]}`,
		},
		{
			name: "empty array gives empty Items",
			src: header + `StartAt: M
States:
  - {Name: M, Type: Map, ItemsPath: $Input.xs, Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}, End: true}
`,
			input: `{"xs":[]}`, want: `{"Items":[]}`,
		},
		{
			name: "non-object items are allowed as iteration input",
			src: header + `StartAt: M
States:
  - {Name: M, Type: Map, ItemsPath: $Input.xs, Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}, End: true}
`,
			input: `{"xs":[1,"two",[3]]}`, want: `{"Items":[1,"two",[3]]}`,
		},
		{
			name: "non-array ItemsPath is FnF.ExpressionError",
			src: header + `StartAt: M
States:
  - {Name: M, Type: Map, ItemsPath: $Input.xs, Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}, End: true}
`,
			input: `{"xs":{"a":1}}`, wantErr: ErrorExpression,
		},
		{
			name: "iteration failure fails the Map",
			src: header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    Processor:
      StartAt: C
      States:
        - Name: C
          Type: Choice
          Branches:
            - {Condition: $Input == 3, Next: Bad}
          Default: Ok
        - {Name: Ok, Type: Pass, End: true}
        - {Name: Bad, Type: Task, Action: "Test:Fail", Parameters: {error: ItemFailed, cause: three}, End: true}
    End: true
`,
			input: `{"xs":[1,2,3,4]}`, wantErr: "ItemFailed",
		},
		{
			name: "distributed mode does not see the parent $Global",
			src: header + `StartAt: G
States:
  - {Name: G, Type: Pass, GlobalConstructor: {secret: 1}, Next: M}
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    ProcessorConfig: {ExecutionMode: Express}
    MaxItems: 5
    Processor:
      StartAt: P
      States:
        - {Name: P, Type: Pass, InputConstructor: {n.$: length($Global)}, End: true}
    End: true
`,
			input: `{"xs":[1,2]}`, want: `{"Items":[{"n":0},{"n":0}]}`,
		},
		{
			name: "distributed MaxItems overflow is FnF.InvalidData",
			src: header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    ProcessorConfig: {ExecutionMode: Express}
    MaxItems: 2
    Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}
    End: true
`,
			input: `{"xs":[1,2,3]}`, wantErr: ErrorInvalidData,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, _ := runFlow(t, tc.src, tc.input)
			if tc.wantErr != "" {
				wantResult(t, res, Failed, "", tc.wantErr)
				return
			}
			wantResult(t, res, Succeeded, tc.want, "")
		})
	}
}

func TestMap_Run_ManyItemsKeepOrder(t *testing.T) {
	const n = 500
	items := make([]string, n)
	want := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"i":%d}`, i)
		want[i] = fmt.Sprintf(`{"j":%d}`, i)
	}
	src := header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    Processor: {StartAt: P, States: [{Name: P, Type: Pass, OutputConstructor: {j.$: $Input.i}, End: true}]}
    End: true
`
	res, _, _ := runFlow(t, src, `{"xs":[`+strings.Join(items, ",")+`]}`)
	wantResult(t, res, Succeeded, `{"Items":[`+strings.Join(want, ",")+`]}`, "")
}
