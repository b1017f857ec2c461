package app

import (
	"strings"
	"testing"
)

// Without a mock file, a Task state whose action has no integration is
// rejected when the flow is created (reference 7.6), not when it runs.
func TestNew_NoMockFile_UnknownActionRejectedAtCreateFlow(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	def := strings.Replace(define("charge", taskFlow), "FC:InvokeFunction", "ECS:DescribeInstances", 1)
	code, body := call(t, a.Handler, "CreateFlow", map[string]string{"Name": "charge", "Definition": def})
	if code != 400 || body["Code"] != "InvalidArgument" || !strings.Contains(str(body["Message"]), "ECS:DescribeInstances") {
		t.Errorf("CreateFlow(Task without integration) = %d %v, want 400 InvalidArgument naming ECS:DescribeInstances", code, body)
	}
	// A flow without Task states is still accepted.
	pass := "Type: StateMachine\nSpecVersion: v1\nName: ok\nStartAt: P\nStates:\n  - {Name: P, Type: Pass, End: true}\n"
	if code, body := call(t, a.Handler, "CreateFlow", map[string]string{"Name": "ok", "Definition": pass}); code != 200 {
		t.Errorf("CreateFlow(Pass only) = %d %v, want 200", code, body)
	}
}
