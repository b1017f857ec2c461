package action

import (
	"context"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

type runnerFunc func(ctx context.Context, call interp.TaskCall) (any, error)

func (f runnerFunc) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	return f(ctx, call)
}

func TestRegistry_Known(t *testing.T) {
	m := mustMock(t, "States: {Charge: {Return: 1}}\nActions: {Mock:Only: {Return: 2}}")
	r := NewRegistry(m, map[string]interp.TaskRunner{"HTTP:Request": runnerFunc(nil)})
	tests := []struct {
		action string
		want   bool
	}{
		{"HTTP:Request", true},
		{"Mock:Only", true},
		{"FC:InvokeFunction", false},
		{"Charge", false}, // a state name is not an action
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			if got := r.Known(tc.action); got != tc.want {
				t.Errorf("Known(%q) = %v, want %v", tc.action, got, tc.want)
			}
		})
	}
	if NewRegistry(nil, nil).Known("HTTP:Request") {
		t.Error("empty Registry knows HTTP:Request")
	}
}

func TestRegistry_Invoke_Dispatch(t *testing.T) {
	m := mustMock(t, "States: {Charge: {Return: mocked-state}}\nActions: {FC:InvokeFunction: {Return: mocked-action}}")
	runners := map[string]interp.TaskRunner{
		"FC:InvokeFunction": runnerFunc(func(context.Context, interp.TaskCall) (any, error) { return "real-fc", nil }),
		"HTTP:Request":      runnerFunc(func(context.Context, interp.TaskCall) (any, error) { return "real-http", nil }),
	}
	r := NewRegistry(m, runners)
	runners["HTTP:Request"] = nil // NewRegistry copied the map
	tests := []struct {
		name, state, action, want string
	}{
		{"mock state beats everything", "Charge", "HTTP:Request", `"mocked-state"`},
		{"mock action beats runner", "Other", "FC:InvokeFunction", `"mocked-action"`},
		{"runner", "Other", "HTTP:Request", `"real-http"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Invoke(context.Background(), call("e", tc.state, tc.action))
			wantReturn(t, got, err, tc.want)
		})
	}
	_, err := r.Invoke(context.Background(), call("e", "Other", "ECS:DescribeInstances"))
	wantError(t, err, interp.ErrorActionNotSupported, "no integration serves action ECS:DescribeInstances")
}

func TestRegistry_Forget_Cases(t *testing.T) {
	m := mustMock(t, "Actions:\n  A:B: [{Return: {n: 1}}, {Return: {n: 2}}]\n")
	reg := NewRegistry(m, nil)
	for _, exec := range []string{"e1", "e1", "e2"} {
		if _, err := reg.Invoke(context.Background(), call(exec, "S", "A:B")); err != nil {
			t.Fatal(err)
		}
	}
	reg.Forget("e1")
	if n := m.Calls("e1", "S", "A:B"); n != 0 {
		t.Errorf("Calls(e1) after Forget = %d, want 0", n)
	}
	if n := m.Calls("e2", "S", "A:B"); n != 1 {
		t.Errorf("Calls(e2) after Forget(e1) = %d, want 1 (kept)", n)
	}
	NewRegistry(nil, nil).Forget("e1") // no mock: nothing to drop, no panic
}
