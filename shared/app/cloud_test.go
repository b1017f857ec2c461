package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

func TestConfigFromEnv_Cloud(t *testing.T) {
	ots := map[string]string{"STORE": "tablestore", "OTS_ENDPOINT": "https://i.cn-hangzhou.ots.aliyuncs.com", "OTS_INSTANCE": "i",
		"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIid", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s3cret-value", "ALIBABA_CLOUD_SECURITY_TOKEN": "tok"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		check   func(Config) bool
		wantErr []string
	}{
		{"dynamodb", map[string]string{"STORE": "dynamodb", "TABLE_NAME": "t1", "DYNAMODB_ENDPOINT": "http://127.0.0.1:8001"},
			func(c Config) bool {
				return c.Store == StoreDynamo && c.TableName == "t1" && c.DynamoEndpoint == "http://127.0.0.1:8001"
			}, nil},
		{"dynamodb without table", map[string]string{"STORE": "dynamodb"}, nil, []string{"STORE=dynamodb", "TABLE_NAME"}},
		{"tablestore", ots, func(c Config) bool {
			return c.Store == StoreTablestore && c.TableName == DefaultOTSTable && c.OTSInstance == "i" &&
				c.Alibaba == AlibabaCredentials{"LTAIid", "s3cret-value", "tok"}
		}, nil},
		{"tablestore without anything", map[string]string{"STORE": "tablestore"}, nil,
			[]string{"OTS_ENDPOINT", "OTS_INSTANCE", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"}},
		{"tablestore without secret", with(ots, "ALIBABA_CLOUD_ACCESS_KEY_SECRET", ""), nil, []string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET"}},
		{"lambda runner", map[string]string{"STORE": "dynamodb", "TABLE_NAME": "t", "RUNNER": "Lambda", "RUNNER_FUNCTION": "s-start-execution"},
			func(c Config) bool { return c.Runner == RunnerLambda && c.RunnerFunction == "s-start-execution" }, nil},
		{"lambda runner without function", map[string]string{"STORE": "dynamodb", "TABLE_NAME": "t", "RUNNER": "lambda"}, nil, []string{"RUNNER=lambda", "RUNNER_FUNCTION"}},
		{"lambda runner on bbolt", map[string]string{"RUNNER": "lambda", "RUNNER_FUNCTION": "f"}, nil, []string{"shared store", `"bbolt"`}},
		{"fc runner", with(ots, "RUNNER", "fc", "RUNNER_FUNCTION", "cloudflow-start-execution", "FC_ACCOUNT_ID", "123", "FC_REGION", "cn-hangzhou"),
			func(c Config) bool {
				return c.Runner == RunnerFC && c.FCAccountID == "123" && c.FCRegion == "cn-hangzhou"
			}, nil},
		{"fc runner with endpoint", with(ots, "RUNNER", "fc", "RUNNER_FUNCTION", "f", "CLOUDFLOW_FC_ENDPOINT", "http://127.0.0.1:9"),
			func(c Config) bool { return c.FCEndpoint == "http://127.0.0.1:9" }, nil},
		{"fc runner without account", with(ots, "RUNNER", "fc", "RUNNER_FUNCTION", "f", "FC_REGION", "cn-hangzhou"), nil, []string{"FC_ACCOUNT_ID", "CLOUDFLOW_FC_ENDPOINT"}},
		{"fc runner without function", with(ots, "RUNNER", "fc", "FC_ACCOUNT_ID", "1", "FC_REGION", "r"), nil, []string{"RUNNER_FUNCTION"}},
		{"unknown runner", map[string]string{"RUNNER": "k8s"}, nil, []string{`RUNNER="k8s"`}},
		{"local runner on bbolt", map[string]string{"RUNNER": "local"}, func(c Config) bool { return c.Runner == RunnerLocal }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("ConfigFromEnv() = %+v, want an error", got)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("ConfigFromEnv() error = %q, want it to mention %s", err, w)
					}
				}
				if strings.Contains(err.Error(), "s3cret-value") {
					t.Errorf("error %q shows the secret", err)
				}
				return
			}
			if err != nil || !tc.check(got) {
				t.Fatalf("ConfigFromEnv() = %+v, %v", got, err)
			}
			if s := fmt.Sprintf("%v %+v %#v", got, got, got); strings.Contains(s, "s3cret-value") || strings.Contains(s, "\"tok\"") {
				t.Errorf("formatted Config shows a secret: %s", s)
			}
		})
	}
}

// recorder is an Enqueuer that records what it is given, standing in for
// an asynchronous invoke whose event has not arrived yet.
type recorder struct {
	mu   sync.Mutex
	refs []execution.Ref
}

func (r *recorder) Enqueue(_ context.Context, ref execution.Ref) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refs = append(r.refs, ref)
	return nil
}

func (r *recorder) got() []execution.Ref {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]execution.Ref(nil), r.refs...)
}

// newRunnerApp returns an App on the in-memory store whose run events are
// recorded, with tasks from countingTasks.
func newRunnerApp(t *testing.T, cfg Config, tasks *countingTasks) (*App, *recorder) {
	t.Helper()
	rec := &recorder{}
	if cfg.Store == "" {
		cfg.Store = StoreMemory
	}
	cfg.Logger = quiet
	a, err := newApp(cfg, execution.Options{
		Enqueuer:    rec,
		Engine:      interp.New(interp.Options{Tasks: tasks}),
		KnownAction: anyAction,
	}, api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a, rec
}

func describe(t *testing.T, a *App, flowName, name string) map[string]any {
	t.Helper()
	return mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": flowName, "ExecutionName": name})
}

func TestApp_OnEvent_Run(t *testing.T) {
	a, rec := newRunnerApp(t, Config{}, newCountingTasks())
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "greet", "Definition": define("greet", passFlow)})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "Input": `{"name":"Ada"}`})
	refs := rec.got()
	if len(refs) != 1 || refs[0].Name != "e1" || refs[0].FlowID == "" || refs[0].Account == "" {
		t.Fatalf("StartExecution enqueued %+v, want one reference to e1", refs)
	}
	if st := describe(t, a, "greet", "e1")["Status"]; st != "Starting" {
		t.Fatalf("before the run event Status = %v, want Starting", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.OnEvent(ctx, dispatch.RunEvent(refs[0])); err != nil {
		t.Fatalf("OnEvent(run) = %v", err)
	}
	got := describe(t, a, "greet", "e1")
	if got["Status"] != "Succeeded" || got["Output"] != `{"greeting":"Ada"}` {
		t.Errorf("after the run event = %v, want Succeeded with greeting Ada", got)
	}
	if n := len(rec.got()); n != 1 {
		t.Errorf("run events after a finished run = %d, want 1 (no continuation)", n)
	}
	// A duplicate delivery of the same event changes nothing.
	if err := a.OnEvent(ctx, dispatch.RunEvent(refs[0])); err != nil {
		t.Fatalf("OnEvent(duplicate run) = %v", err)
	}
	if again := describe(t, a, "greet", "e1"); again["StoppedTime"] != got["StoppedTime"] || len(rec.got()) != 1 {
		t.Errorf("after a duplicate event = %v, want %v and no new run event", again, got)
	}
}

func TestApp_OnEvent_RunContinues(t *testing.T) {
	tasks := newCountingTasks()
	// A margin of 300ms in a 1.2s invocation leaves room for a loaded race
	// build to release the run before the deadline (it failed at 402ms of
	// 400ms with a 50ms margin on a busy 2-core machine).
	a, rec := newRunnerApp(t, Config{RunMargin: 300 * time.Millisecond}, tasks)
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "long", "Definition": define("long", resumeFlow)})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "long", "ExecutionName": "e1", "Input": `{"n":1}`})
	ref := rec.got()[0]

	// The first invocation's deadline passes while state B's task runs.
	const deadline = 1200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	if err := a.OnEvent(ctx, dispatch.RunEvent(ref)); err != nil {
		t.Fatalf("OnEvent(run, short deadline) = %v", err)
	}
	if d := time.Since(start); d >= deadline {
		t.Errorf("OnEvent returned after %v, want before the %v deadline (margin 300ms)", d, deadline)
	}
	select {
	case <-tasks.blocked:
	default:
		t.Fatal("state B never started")
	}
	refs := rec.got()
	if len(refs) != 2 || refs[1] != ref {
		t.Fatalf("run events = %+v, want the start's and one continuation of %+v", refs, ref)
	}
	if st := describe(t, a, "long", "e1")["Status"]; st != "Running" {
		t.Fatalf("after the first invocation Status = %v, want Running", st)
	}

	// The continuation resumes at B from the checkpoint: A is not called again.
	if err := a.OnEvent(context.Background(), dispatch.RunEvent(refs[1])); err != nil {
		t.Fatalf("OnEvent(continuation) = %v", err)
	}
	got := describe(t, a, "long", "e1")
	if got["Status"] != "Succeeded" || got["Output"] != `{"from":{"counted":1}}` {
		t.Errorf("after the continuation = %v, want Succeeded with output from B", got)
	}
	if n := tasks.count("A"); n != 1 {
		t.Errorf("state A ran %d times, want 1", n)
	}
	if n := len(rec.got()); n != 2 {
		t.Errorf("run events = %d, want 2 (the finished continuation enqueues nothing)", n)
	}
}

func TestApp_OnEvent_Sweep(t *testing.T) {
	a, rec := newRunnerApp(t, Config{}, newCountingTasks())
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "greet", "Definition": define("greet", passFlow)})
	for _, name := range []string{"lost", "done"} {
		mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "greet", "ExecutionName": name, "Input": `{"name":"Sam"}`})
	}
	started := rec.got()
	// "done" gets its event; "lost"'s event never arrives.
	if err := a.OnEvent(context.Background(), dispatch.RunEvent(started[1])); err != nil {
		t.Fatal(err)
	}
	if err := a.OnEvent(context.Background(), []byte(`{"op":"sweep"}`)); err != nil {
		t.Fatalf("OnEvent(sweep) = %v", err)
	}
	refs := rec.got()
	if len(refs) != 3 || refs[2] != started[0] {
		t.Fatalf("run events after the sweep = %+v, want the lost execution %+v enqueued again, and only it", refs, started[0])
	}
	if err := a.OnEvent(context.Background(), dispatch.RunEvent(refs[2])); err != nil {
		t.Fatal(err)
	}
	if st := describe(t, a, "greet", "lost")["Status"]; st != "Succeeded" {
		t.Errorf("swept execution Status = %v, want Succeeded", st)
	}
}

func TestApp_OnEvent_Invalid(t *testing.T) {
	a, _ := newRunnerApp(t, Config{}, newCountingTasks())
	for _, ev := range []string{`{"op":"dance"}`, `not json`, `{"op":"run","account":"1","flowId":"f"}`} {
		if err := a.OnEvent(context.Background(), []byte(ev)); !errors.Is(err, dispatch.ErrInvalidEvent) {
			t.Errorf("OnEvent(%s) = %v, want ErrInvalidEvent", ev, err)
		}
	}
	// A run event for an execution that does not exist is not an error: the
	// event may be stale (the execution or its flow was deleted).
	if err := a.OnEvent(context.Background(), []byte(`{"op":"run","account":"1","flowId":"f","name":"ghost"}`)); err != nil {
		t.Errorf("OnEvent(run of a missing execution) = %v, want nil", err)
	}
}

// TestNewEnqueuer_Cloud builds the Lambda and FC runners from a Config, as
// on the clouds, and checks that an enqueue reaches a stand-in API.
func TestNewEnqueuer_Cloud(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Amz-Invocation-Type")+r.Header.Get("x-fc-invocation-type")+" "+string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", srv.URL)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	ref := execution.Ref{Account: "1", FlowID: "f", Name: "e"}
	payload := `{"op":"run","account":"1","flowId":"f","name":"e"}`
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"lambda", Config{Runner: RunnerLambda, RunnerFunction: "stack-start-execution"},
			"POST /2015-03-31/functions/stack-start-execution/invocations Event " + payload},
		{"fc", Config{Runner: RunnerFC, RunnerFunction: "cloudflow-start-execution", FCEndpoint: srv.URL,
			Alibaba: AlibabaCredentials{AccessKeyID: "LTAIid", AccessKeySecret: "secret"}},
			"POST /2023-03-30/functions/cloudflow-start-execution/invocations Async " + payload},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enq, err := newEnqueuer(context.Background(), tc.cfg)
			if err != nil {
				t.Fatalf("newEnqueuer: %v", err)
			}
			if err := enq.Enqueue(context.Background(), ref); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(paths) != i+1 || paths[i] != tc.want {
				t.Fatalf("stand-in saw %q, want %q last", paths, tc.want)
			}
		})
	}
}
