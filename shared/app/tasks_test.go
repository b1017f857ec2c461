package app

import (
	"strings"
	"testing"
)

// Without a mock file no task integration is registered yet, so a Task state
// is rejected when the flow is created (reference 7.6), not when it runs.
func TestNew_NoMockFile_TaskRejectedAtCreateFlow(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	code, body := call(t, a.Handler, "CreateFlow", map[string]string{"Name": "charge", "Definition": define("charge", taskFlow)})
	if code != 400 || body["Code"] != "InvalidArgument" || !strings.Contains(str(body["Message"]), "FC:InvokeFunction") {
		t.Errorf("CreateFlow(Task without integration) = %d %v, want 400 InvalidArgument naming FC:InvokeFunction", code, body)
	}
	// A flow without Task states is still accepted.
	pass := "Type: StateMachine\nSpecVersion: v1\nName: ok\nStartAt: P\nStates:\n  - {Name: P, Type: Pass, End: true}\n"
	if code, body := call(t, a.Handler, "CreateFlow", map[string]string{"Name": "ok", "Definition": pass}); code != 200 {
		t.Errorf("CreateFlow(Pass only) = %d %v, want 200", code, body)
	}
}
