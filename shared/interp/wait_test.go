package interp

import (
	"reflect"
	"testing"
	"time"
)

func TestWait_Run_Seconds(t *testing.T) {
	tests := []struct {
		name, src, input string
		wantSleep        []time.Duration
		wantErr          string
	}{
		{
			name: "literal",
			src: header + `StartAt: W
States:
  - {Name: W, Type: Wait, Seconds: 5, End: true}
`,
			input: `{"a":1}`, wantSleep: []time.Duration{5 * time.Second},
		},
		{
			name: "expression",
			src: header + `StartAt: W
States:
  - {Name: W, Type: Wait, Seconds.$: $Input.delay, End: true}
`,
			input: `{"delay":42}`, wantSleep: []time.Duration{42 * time.Second},
		},
		{
			name: "expression out of range",
			src: header + `StartAt: W
States:
  - {Name: W, Type: Wait, Seconds.$: $Input.delay, End: true}
`,
			input: `{"delay":301}`, wantErr: ErrorExpression,
		},
		{
			name: "expression not a number",
			src: header + `StartAt: W
States:
  - {Name: W, Type: Wait, Seconds.$: $Input.delay, End: true}
`,
			input: `{"delay":"soon"}`, wantErr: ErrorExpression,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, clock, _ := runFlow(t, tc.src, tc.input)
			if tc.wantErr != "" {
				wantResult(t, res, Failed, "", tc.wantErr)
				return
			}
			wantResult(t, res, Succeeded, tc.input, "")
			if got := clock.Sleeps(); !reflect.DeepEqual(got, tc.wantSleep) {
				t.Errorf("sleeps = %v, want %v", got, tc.wantSleep)
			}
		})
	}
}

func TestWait_Run_FlowTimeout(t *testing.T) {
	src := header + `Timeout: 10
StartAt: W
States:
  - {Name: W, Type: Wait, Seconds: 300, End: true}
`
	res, clock, _ := runFlow(t, src, `{}`)
	if res.Status != TimedOut || res.Error != ErrorTimeout {
		t.Fatalf("Run = %+v, want TimedOut with %s", res, ErrorTimeout)
	}
	if got := clock.Sleeps(); !reflect.DeepEqual(got, []time.Duration{10 * time.Second}) {
		t.Errorf("sleeps = %v, want [10s] (the wait stops at the flow deadline)", got)
	}
}
