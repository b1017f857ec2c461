package app

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
)

// TestApp_DynamoDB_EndToEnd runs the service on STORE=dynamodb against the
// DynamoDB-compatible server at DYNAMODB_ENDPOINT (.ci/dynamo-servers
// starts dynalite), as two instances would on Lambda: the API instance
// creates a flow and starts an execution, whose run event is recorded
// instead of sent; a runner instance on the same table handles the event;
// the API instance then sees the execution succeed. Skipped when
// DYNAMODB_ENDPOINT is unset.
func TestApp_DynamoDB_EndToEnd(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_ENDPOINT is not set (.ci/dynamo-servers start prints it)")
	}
	env := map[string]string{
		"STORE":             "dynamodb",
		"TABLE_NAME":        fmt.Sprintf("cloudflow_app_%d", time.Now().UnixNano()),
		"DYNAMODB_ENDPOINT": endpoint,
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("ConfigFromEnv(%v) = %v", env, err)
	}
	apiInstance, events := newRunnerApp(t, cfg, newCountingTasks())
	runner, _ := newRunnerApp(t, cfg, newCountingTasks())

	mustCall(t, apiInstance.Handler, "CreateFlow", map[string]string{"Name": "greet", "Definition": define("greet", passFlow)})
	if d := mustCall(t, runner.Handler, "DescribeFlow", map[string]string{"Name": "greet"}); d["Name"] != "greet" {
		t.Fatalf("the runner instance's DescribeFlow = %v, want the flow created through the other instance", d)
	}
	started := mustCall(t, apiInstance.Handler, "StartExecution", map[string]string{"FlowName": "greet", "ExecutionName": "dyn-1", "Input": `{"name":"Dee"}`})
	if started["Status"] != "Starting" {
		t.Fatalf("StartExecution = %v, want Starting", started)
	}
	refs := events.got()
	if len(refs) != 1 || refs[0].Name != "dyn-1" {
		t.Fatalf("run events = %+v, want one for dyn-1", refs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := runner.OnEvent(ctx, dispatch.RunEvent(refs[0])); err != nil {
		t.Fatalf("runner OnEvent(run) = %v", err)
	}
	got := mustCall(t, apiInstance.Handler, "DescribeExecution", map[string]string{"FlowName": "greet", "ExecutionName": "dyn-1", "WaitTimeSeconds": "5"})
	if got["Status"] != "Succeeded" || got["Output"] != `{"greeting":"Dee"}` {
		t.Fatalf("DescribeExecution through the API instance = %v, want Succeeded with greeting Dee", got)
	}
	list := mustCall(t, apiInstance.Handler, "ListExecutions", map[string]string{"FlowName": "greet"})
	if execs, _ := list["Executions"].([]any); len(execs) != 1 {
		t.Errorf("ListExecutions = %v, want the one execution", list)
	}
	hist := history(t, apiInstance, "greet", "dyn-1", 2)
	if len(hist) < 3 || hist[len(hist)-1]["Type"] != "ExecutionSucceeded" {
		t.Errorf("history = %v, want events ending in ExecutionSucceeded", hist)
	}
}
