package platform

import (
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

func TestDefaultRunner(t *testing.T) {
	dynamo := app.Config{Store: app.StoreDynamo}
	ots := app.Config{Store: app.StoreTablestore}
	bolt := app.Config{Store: app.StoreBolt}
	tests := []struct {
		name   string
		host   Host
		cfg    app.Config
		replay bool
		want   string
	}{
		{"lambda with dynamodb", Lambda, dynamo, false, app.RunnerLambda},
		{"fc with tablestore", FC, ots, false, app.RunnerFC},
		{"local with dynamodb", Local, dynamo, false, app.RunnerLocal},
		{"lambda with bbolt", Lambda, bolt, false, app.RunnerLocal},
		{"fc with memory", FC, app.Config{Store: app.StoreMemory}, false, app.RunnerLocal},
		{"lambda replay", Lambda, dynamo, true, app.RunnerLocal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DefaultRunner(tc.host, tc.cfg, tc.replay); got != tc.want {
				t.Errorf("DefaultRunner(%s, %s, %v) = %q, want %q", tc.host, tc.cfg.Store, tc.replay, got, tc.want)
			}
		})
	}
}

func TestMain_CloudConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"dynamodb without table", map[string]string{"STORE": "dynamodb"}, []string{"TABLE_NAME"}},
		{"tablestore without instance", map[string]string{"STORE": "tablestore", "OTS_ENDPOINT": "https://x"}, []string{"OTS_INSTANCE", "ALIBABA_CLOUD_ACCESS_KEY_ID"}},
		{"lambda runner on bbolt", map[string]string{"RUNNER": "lambda", "RUNNER_FUNCTION": "f"}, []string{"shared store"}},
		// On Lambda with DynamoDB the runner defaults to lambda, which needs RUNNER_FUNCTION.
		{"lambda host without runner function", map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9", "STORE": "dynamodb", "TABLE_NAME": "t"}, []string{"RUNNER_FUNCTION"}},
		{"fc host without account", map[string]string{"FC_FUNCTION_NAME": "f", "STORE": "tablestore", "OTS_ENDPOINT": "https://x", "OTS_INSTANCE": "i",
			"ALIBABA_CLOUD_ACCESS_KEY_ID": "k", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s", "RUNNER_FUNCTION": "r"}, []string{"FC_ACCOUNT_ID", "FC_REGION"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runMain(t, Program{Name: "startexecution", Operations: []string{"StartExecution"}}, tc.env)
			if code != 1 {
				t.Fatalf("exit = %d, want 1; stdout %s stderr %s", code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("output %q %q does not mention %s", out, errOut, w)
				}
			}
		})
	}
}
