package interp

import "testing"

func TestFail_Run_Cases(t *testing.T) {
	tests := []struct {
		name, src, wantErr, wantCause string
	}{
		{
			name: "code and detail",
			src: header + `StartAt: F
States:
  - {Name: F, Type: Fail, Code: OrderRejected, Detail: the order did not pass validation}
`,
			wantErr: "OrderRejected", wantCause: "the order did not pass validation",
		},
		{
			name: "without code the error is empty and the cause is the detail",
			src: header + `StartAt: F
States:
  - {Name: F, Type: Fail, Detail: boom, End: true}
`,
			wantErr: "", wantCause: "boom",
		},
		{
			name: "inside a Parallel it is not caught by the Parallel's Catch",
			src: header + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: F
        States:
          - {Name: F, Type: Fail, Code: Inner, Detail: from branch}
    Catch:
      - {Errors: [FnF.ALL], Next: Caught}
    Retry:
      - {Errors: [FnF.ALL], MaxAttempts: 3, IntervalSeconds: 1}
    End: true
  - {Name: Caught, Type: Succeed}
`,
			wantErr: "Inner", wantCause: "from branch",
		},
		{
			name: "inside a Map it ends the execution",
			src: header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.items
    Processor:
      StartAt: F
      States:
        - {Name: F, Type: Fail, Code: Inner, Detail: from item}
    Catch:
      - {Errors: [FnF.ALL], Next: Caught}
    End: true
  - {Name: Caught, Type: Succeed}
`,
			wantErr: "Inner", wantCause: "from item",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, clock, _ := runFlow(t, tc.src, `{"items":[1,2]}`)
			if res.Status != Failed || res.Error != tc.wantErr || res.Cause != tc.wantCause {
				t.Fatalf("Run = %+v, want Failed %q %q", res, tc.wantErr, tc.wantCause)
			}
			if n := len(clock.Sleeps()); n != 0 {
				t.Errorf("slept %d times, want no retry of a Fail", n)
			}
		})
	}
}
