package dispatch_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

func TestRunEvent_Shape(t *testing.T) {
	got := dispatch.RunEvent(execution.Ref{Account: "1234", FlowID: "f-1", Name: "exec \"1\""})
	want := `{"op":"run","account":"1234","flowId":"f-1","name":"exec \"1\""}`
	if string(got) != want {
		t.Fatalf("RunEvent() = %s, want %s", got, want)
	}
}

func TestDecode(t *testing.T) {
	long := strings.Repeat("n", 257)
	tests := []struct {
		name    string
		raw     string
		want    dispatch.Event
		wantErr bool
	}{
		{"sweep", `{"op":"sweep"}`, dispatch.Event{Op: "sweep"}, false},
		{"sweep drops fields", `{"op":"sweep","name":"x"}`, dispatch.Event{Op: "sweep"}, false},
		{"run", `{"op":"run","account":"1","flowId":"f","name":"e"}`, dispatch.Event{Op: "run", Account: "1", FlowID: "f", Name: "e"}, false},
		{"run without name", `{"op":"run","account":"1","flowId":"f"}`, dispatch.Event{}, true},
		{"run with long name", `{"op":"run","account":"1","flowId":"f","name":"` + long + `"}`, dispatch.Event{}, true},
		{"unknown op", `{"op":"dance"}`, dispatch.Event{}, true},
		{"no op", `{}`, dispatch.Event{}, true},
		{"not json", `run`, dispatch.Event{}, true},
		{"wrong type", `{"op":1}`, dispatch.Event{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dispatch.Decode([]byte(tc.raw))
			if tc.wantErr {
				if !errors.Is(err, dispatch.ErrInvalidEvent) {
					t.Fatalf("Decode(%s) error = %v, want ErrInvalidEvent", tc.raw, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Decode(%s) = %+v, %v, want %+v", tc.raw, got, err, tc.want)
			}
		})
	}
}

func TestStatusError_Unwrap(t *testing.T) {
	err := error(&dispatch.StatusError{Function: "runner", Status: 200})
	if !errors.Is(err, dispatch.ErrNotAccepted) || !strings.Contains(err.Error(), "runner") || !strings.Contains(err.Error(), "200") {
		t.Fatalf("StatusError = %v, want ErrNotAccepted naming runner and 200", err)
	}
}

// FuzzDecode checks that Decode never panics, fails only with
// ErrInvalidEvent, and that a decoded run event round-trips through
// RunEvent.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"op":"sweep"}`, `{"op":"run","account":"1","flowId":"f","name":"e"}`, `{"op":"run"}`, `[]`, `null`, `{"op":"run","account":"\u00ff","flowId":"\ud800","name":"e"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := dispatch.Decode(raw)
		if err != nil {
			if !errors.Is(err, dispatch.ErrInvalidEvent) {
				t.Fatalf("Decode(%q) error = %v, want ErrInvalidEvent", raw, err)
			}
			return
		}
		if ev.Op != dispatch.OpRun {
			return
		}
		again, err := dispatch.Decode(dispatch.RunEvent(ev.Ref()))
		if err != nil || again != ev {
			t.Fatalf("Decode(RunEvent(%+v)) = %+v, %v", ev, again, err)
		}
	})
}
