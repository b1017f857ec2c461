package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const taskFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Charge
States:
  - Name: Charge
    Type: Task
    Action: FC:InvokeFunction
    Retry:
      - Errors: [FC.ResourceThrottled]
        MaxAttempts: 1
        IntervalSeconds: 0
    OutputConstructor:
      receipt.$: $Output.Body.receiptId
    End: true
`

func TestConfigFromEnv_MockFile(t *testing.T) {
	cfg, err := ConfigFromEnv(func(k string) string {
		if k == "CLOUDFLOW_MOCK_FILE" {
			return " /etc/mock.yaml "
		}
		return ""
	})
	if err != nil || cfg.MockFile != "/etc/mock.yaml" {
		t.Fatalf("ConfigFromEnv() = %+v, %v; want MockFile /etc/mock.yaml", cfg, err)
	}
}

func TestNew_MockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mock.yaml")
	mock := "Actions:\n  FC:InvokeFunction:\n    - {Error: FC.ResourceThrottled, Cause: busy}\n    - Return: {Body: {receiptId: r-9}}\n"
	if err := os.WriteFile(path, []byte(mock), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Store: StoreMemory, MockFile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "charge", "Definition": define("charge", taskFlow), "ExecutionMode": "Express"})
	r := mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": "charge", "Input": "{}"})
	if r["Status"] != "Succeeded" || str(r["Output"]) != `{"receipt":"r-9"}` {
		t.Errorf("StartSyncExecution = %v, want Succeeded with the mocked receipt after one retry", r)
	}
	// An action neither mocked nor integrated is rejected at creation (reference 7.6).
	ecs := strings.Replace(define("describe", taskFlow), "FC:InvokeFunction", "ECS:DescribeInstances", 1)
	code, body := call(t, a.Handler, "CreateFlow", map[string]string{"Name": "describe", "Definition": ecs})
	if code != 400 || body["Code"] != "InvalidArgument" || !strings.Contains(str(body["Message"]), "ECS:DescribeInstances") {
		t.Errorf("CreateFlow(unknown action) = %d %v, want 400 InvalidArgument naming ECS:DescribeInstances", code, body)
	}
}

func TestNew_MockFile_Invalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mock.yaml")
	if err := os.WriteFile(path, []byte("Actions:\n  FC:InvokeFunction: {Retrun: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Store: StoreMemory, MockFile: path}); err == nil || !strings.Contains(err.Error(), "Actions.FC:InvokeFunction.Retrun (line 2, column 23)") {
		t.Fatalf("New(bad mock file) error = %v, want the located issue", err)
	}
}
