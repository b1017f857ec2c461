package interp

import "testing"

func TestSucceed_Run_EndsScope(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			name: "top level ends the execution with its output",
			src: header + `StartAt: A
States:
  - Name: A
    Type: Succeed
    OutputConstructor: {skipped: true}
`,
			want: `{"skipped":true}`,
		},
		{
			name: "inside a branch ends only the branch",
			src: header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: S
        States:
          - {Name: S, Type: Succeed, OutputConstructor: {b: 0}}
      - StartAt: T
        States:
          - {Name: T, Type: Pass, OutputConstructor: {b: 1}, End: true}
    Next: After
  - {Name: After, Type: Pass, OutputConstructor: {after.$: $Input.Branch0.b}, End: true}
`,
			want: `{"after":0}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, _ := runFlow(t, tc.src, `{}`)
			wantResult(t, res, Succeeded, tc.want, "")
		})
	}
}
