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
