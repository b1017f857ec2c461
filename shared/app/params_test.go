package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const typoFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Notify
States:
  - Name: Notify
    Type: Task
    Action: HTTP:Request
    Parameters:
      url: http://127.0.0.1:1/
      mehtod.$: $Input.m
    End: true
`

// An unknown Parameters key of a native integration is a located
// InvalidArgument at CreateFlow and UpdateFlow, naming the state and the key;
// a mocked action accepts any key.
func TestApp_CreateFlow_UnknownParameter(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	code, body := call(t, a.Handler, "CreateFlow", map[string]string{"Name": "typo", "Definition": define("typo", typoFlow)})
	msg := str(body["Message"])
	if code != 400 || body["Code"] != "InvalidArgument" || !strings.Contains(msg, "States[0](Notify).Parameters.mehtod.$ (line 11") || !strings.Contains(msg, `no parameter "mehtod"`) {
		t.Errorf("CreateFlow(unknown key) = %d %v, want 400 InvalidArgument at Notify's mehtod.$ key", code, body)
	}
	// The documented keys are accepted, and UpdateFlow applies the same rule.
	good := strings.Replace(define("typo", typoFlow), "mehtod.$", "method.$", 1)
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "typo", "Definition": good})
	code, body = call(t, a.Handler, "UpdateFlow", map[string]string{"Name": "typo", "Definition": define("typo", typoFlow)})
	if code != 400 || body["Code"] != "InvalidArgument" || !strings.Contains(str(body["Message"]), "mehtod") {
		t.Errorf("UpdateFlow(unknown key) = %d %v, want 400 InvalidArgument naming mehtod", code, body)
	}

	path := filepath.Join(t.TempDir(), "mock.yaml")
	if err := os.WriteFile(path, []byte("Actions:\n  HTTP:Request: {Return: {Code: 200}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Store: StoreMemory, MockFile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	mustCall(t, m.Handler, "CreateFlow", map[string]string{"Name": "typo", "Definition": define("typo", typoFlow)})
}
