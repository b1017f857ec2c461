package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestNew_MockCasesAndTimeScale runs, through the API, a flow whose retry
// interval is an hour at CLOUDFLOW_TIME_SCALE=0, with the mock case chosen
// by the execution name.
func TestNew_MockCasesAndTimeScale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mock.yaml")
	mock := "States:\n  Charge: {Return: {Body: {receiptId: r-1}}}\nCases:\n  throttled:\n    States:\n      Charge: [{Error: FC.ResourceThrottled}, {Return: {Body: {receiptId: r-2}}}]\n  declined:\n    States:\n      Charge: {Error: Payment.Declined, Cause: card}\n"
	if err := os.WriteFile(path, []byte(mock), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{EnvStore: StoreMemory, EnvMockFile: path, EnvTimeScale: "0"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	slow := strings.Replace(define("charge", taskFlow), "IntervalSeconds: 0", "IntervalSeconds: 3600", 1)
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "charge", "Definition": slow, "ExecutionMode": "Express"})
	tests := []struct{ name, status, output, code string }{
		{"plain", "Succeeded", `{"receipt":"r-1"}`, ""},
		{"o1__throttled", "Succeeded", `{"receipt":"r-2"}`, ""},
		{"o2__declined", "Failed", "", "Payment.Declined"},
	}
	for _, tc := range tests {
		start := time.Now()
		r := mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": "charge", "ExecutionName": tc.name, "Input": "{}"})
		if r["Status"] != tc.status || str(r["Output"]) != tc.output || str(r["ErrorCode"]) != tc.code {
			t.Errorf("%s: StartSyncExecution = %v, want %s %s %s", tc.name, r, tc.status, tc.output, tc.code)
		}
		if el := time.Since(start); el > 30*time.Second {
			t.Errorf("%s took %v: the hour of retry interval was not skipped", tc.name, el)
		}
	}
}

func TestConfigFromEnv_TimeScale_Invalid(t *testing.T) {
	for _, v := range []string{"-1", "fast", "1e9"} {
		_, err := ConfigFromEnv(func(k string) string {
			if k == EnvTimeScale {
				return v
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), EnvTimeScale) {
			t.Errorf("ConfigFromEnv(%s=%s) = %v, want an error naming the variable", EnvTimeScale, v, err)
		}
	}
}
