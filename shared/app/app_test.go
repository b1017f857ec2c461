package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{"defaults", nil, Config{Store: "bbolt", DataDir: ".cloudflow-data", Region: "cn-hangzhou", Workers: 1000, Retention: 720 * time.Hour, LeaseDuration: 30 * time.Second, MemoryKeep: 10000}, ""},
		{"all set", map[string]string{"STORE": "memory", "DATA_DIR": "/d", "CLOUDFLOW_REGION": "cn-beijing", "CLOUDFLOW_WORKERS": "8", "CLOUDFLOW_RETENTION": "36h", "CLOUDFLOW_LEASE_DURATION": "3s", "CLOUDFLOW_MEMORY_KEEP": "50"},
			Config{Store: "memory", DataDir: "/d", Region: "cn-beijing", Workers: 8, Retention: 36 * time.Hour, LeaseDuration: 3 * time.Second, MemoryKeep: 50}, ""},
		{"bad store", map[string]string{"STORE": "dynamo"}, Config{}, `STORE="dynamo"`},
		{"bad workers", map[string]string{"CLOUDFLOW_WORKERS": "many"}, Config{}, `CLOUDFLOW_WORKERS="many"`},
		{"zero workers", map[string]string{"CLOUDFLOW_WORKERS": "0"}, Config{}, `CLOUDFLOW_WORKERS="0"`},
		{"retention in days", map[string]string{"CLOUDFLOW_RETENTION": "30d"}, Config{}, `CLOUDFLOW_RETENTION="30d"`},
		{"zero retention", map[string]string{"CLOUDFLOW_RETENTION": "0"}, Config{}, `CLOUDFLOW_RETENTION="0"`},
		{"negative retention", map[string]string{"CLOUDFLOW_RETENTION": "-1h"}, Config{}, `CLOUDFLOW_RETENTION="-1h"`},
		{"lease below 1s", map[string]string{"CLOUDFLOW_LEASE_DURATION": "500ms"}, Config{}, `CLOUDFLOW_LEASE_DURATION="500ms"`},
		{"lease above 1h", map[string]string{"CLOUDFLOW_LEASE_DURATION": "2h"}, Config{}, `CLOUDFLOW_LEASE_DURATION="2h"`},
		{"memory keep zero", map[string]string{"CLOUDFLOW_MEMORY_KEEP": "0"}, Config{}, `CLOUDFLOW_MEMORY_KEEP="0"`},
		{"memory keep not a number", map[string]string{"CLOUDFLOW_MEMORY_KEEP": "lots"}, Config{}, `CLOUDFLOW_MEMORY_KEEP="lots"`},
		{"lease not a duration", map[string]string{"CLOUDFLOW_LEASE_DURATION": "30"}, Config{}, `CLOUDFLOW_LEASE_DURATION="30"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ConfigFromEnv() error = %v, want one mentioning %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.Store != tc.want.Store || got.DataDir != tc.want.DataDir || got.Region != tc.want.Region || got.Workers != tc.want.Workers || got.Retention != tc.want.Retention || got.LeaseDuration != tc.want.LeaseDuration || got.MemoryKeep != tc.want.MemoryKeep {
				t.Fatalf("ConfigFromEnv() = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestNew_NegativeRetention(t *testing.T) {
	if _, err := New(Config{Store: StoreMemory, Retention: -time.Hour}); err == nil || !strings.Contains(err.Error(), "retention") {
		t.Fatalf("New(negative retention) error = %v, want it named", err)
	}
}

func TestNew_LeaseDurationOutOfBounds(t *testing.T) {
	for _, d := range []time.Duration{time.Millisecond, 2 * time.Hour} {
		if _, err := New(Config{Store: StoreMemory, LeaseDuration: d}); err == nil || !strings.Contains(err.Error(), "lease duration") {
			t.Errorf("New(LeaseDuration %s) error = %v, want it named", d, err)
		}
	}
}

func TestNew_UnknownOperation(t *testing.T) {
	if _, err := New(Config{Store: StoreMemory, Operations: []string{"MakeCoffee"}}); err == nil || !strings.Contains(err.Error(), "MakeCoffee") {
		t.Fatalf("New(unknown operation) error = %v, want it named", err)
	}
}

func TestApp_OnEvent(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.OnEvent(context.Background(), []byte(`{"op":"sweep"}`)); err != nil {
		t.Errorf("OnEvent(sweep) = %v, want nil", err)
	}
	for _, ev := range []string{`{"op":"dance"}`, `not json`} {
		if err := a.OnEvent(context.Background(), []byte(ev)); err == nil {
			t.Errorf("OnEvent(%s) = nil, want an error", ev)
		}
	}
}

func call(t *testing.T, h http.Handler, action string, params map[string]string) (int, map[string]any) {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req := httptest.NewRequest(http.MethodPost, "/?Action="+action+"&Version=2019-03-15", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s: body %q: %v", action, raw, err)
	}
	return rec.Code, body
}

func mustCall(t *testing.T, h http.Handler, action string, params map[string]string) map[string]any {
	t.Helper()
	code, body := call(t, h, action, params)
	if code != http.StatusOK {
		t.Fatalf("%s(%v) = %d %v", action, params, code, body)
	}
	return body
}

const passFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Greet
States:
  - Name: Greet
    Type: Pass
    OutputConstructor:
      greeting.$: $Input.name
    End: true
`

const failFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Check
States:
  - Name: Check
    Type: Fail
    Code: Order.Invalid
    Detail: no items
`

const waitFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
Timeout: 1
StartAt: Sleep
States:
  - Name: Sleep
    Type: Wait
    Seconds: 5
    End: true
`

func define(name, src string) string { return strings.Replace(src, "%s", name, 1) }

func TestApp_Restart(t *testing.T) {
	dir := t.TempDir()
	a, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "greet", "Definition": define("greet", passFlow)})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "Input": `{"name":"Ada"}`})
	done := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "greet", "ExecutionName": "e1", "WaitTimeSeconds": "10"})
	if done["Status"] != "Succeeded" || done["Output"] != `{"greeting":"Ada"}` {
		t.Fatalf("DescribeExecution = %v, want Succeeded with greeting", done)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// A second process on the same directory still knows the execution.
	b, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	again := mustCall(t, b.Handler, "DescribeExecution", map[string]string{"FlowName": "greet", "ExecutionName": "e1"})
	if again["Status"] != "Succeeded" || again["Output"] != done["Output"] || again["StoppedTime"] != done["StoppedTime"] {
		t.Errorf("after restart = %v, want %v", again, done)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

// dropEnqueuer loses every execution, like a crash right after StartExecution.
type dropEnqueuer struct{}

func (dropEnqueuer) Enqueue(context.Context, execution.Ref) error { return nil }

func TestApp_RecoversPending(t *testing.T) {
	dir := t.TempDir()
	a, err := newApp(Config{DataDir: dir}, execution.Options{Enqueuer: dropEnqueuer{}}, api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "greet", "Definition": define("greet", passFlow)})
	started := mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "greet", "ExecutionName": "late", "Input": `{"name":"Bo"}`})
	if started["Status"] != "Starting" {
		t.Fatalf("StartExecution = %v, want Starting", started)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	b, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	done := mustCall(t, b.Handler, "DescribeExecution", map[string]string{"FlowName": "greet", "ExecutionName": "late", "WaitTimeSeconds": "10"})
	if done["Status"] != "Succeeded" || done["Output"] != `{"greeting":"Bo"}` {
		t.Errorf("recovered execution = %v, want Succeeded", done)
	}
}

func TestApp_StartSyncExecution_RealEngine(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, f := range []struct{ name, src string }{{"greet", passFlow}, {"fails", failFlow}, {"sleepy", waitFlow}} {
		mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": f.name, "Definition": define(f.name, f.src), "ExecutionMode": "Express"})
	}
	tests := []struct {
		flow, input                   string
		status, output, code, message string
	}{
		{"greet", `{"name":"Cy"}`, "Succeeded", `{"greeting":"Cy"}`, "", ""},
		{"fails", `{}`, "Failed", "", "Order.Invalid", "no items"},
		{"sleepy", `{}`, "TimedOut", "", "FnF.Timeout", ""},
	}
	for _, tc := range tests {
		t.Run(tc.flow, func(t *testing.T) {
			start := time.Now()
			r := mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": tc.flow, "Input": tc.input})
			if r["Status"] != tc.status || str(r["Output"]) != tc.output || str(r["ErrorCode"]) != tc.code {
				t.Errorf("StartSyncExecution(%s) = %v, want %s output %q code %q", tc.flow, r, tc.status, tc.output, tc.code)
			}
			if tc.message != "" && r["ErrorMessage"] != tc.message {
				t.Errorf("ErrorMessage = %v, want %q", r["ErrorMessage"], tc.message)
			}
			if tc.status == "TimedOut" && time.Since(start) > 4*time.Second {
				t.Errorf("flow Timeout 1 s took %v: the Wait was not cut short", time.Since(start))
			}
		})
	}
	code, body := call(t, a.Handler, "CreateFlow", map[string]string{"Name": "broken", "Definition": "Type: StateMachine\nSpecVersion: v1\nName: broken\nStartAt: Nowhere\nStates:\n  - Name: A\n    Type: Pass\n    End: true\n"})
	if code != 400 || body["Code"] != "InvalidArgument" || !strings.HasPrefix(str(body["Message"]), "Parameter error. Definition is invalid: ") {
		t.Errorf("CreateFlow(invalid) = %d %v, want 400 InvalidArgument naming the definition problem", code, body)
	}
}

func str(v any) string { s, _ := v.(string); return s }

// On the memory store the app keeps CLOUDFLOW_MEMORY_KEEP finished
// executions: a third finished one drops the first.
func TestApp_MemoryKeep_DropsOldestFinished(t *testing.T) {
	a, err := New(Config{Store: StoreMemory, MemoryKeep: 2, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "greet", "Definition": define("greet", passFlow)})
	for _, name := range []string{"e1", "e2", "e3"} {
		mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "greet", "ExecutionName": name, "Input": `{"name":"Al"}`})
		done := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "greet", "ExecutionName": name, "WaitTimeSeconds": "10"})
		if done["Status"] != "Succeeded" {
			t.Fatalf("%s = %v, want Succeeded", name, done)
		}
	}
	// The drop follows e3's terminal write, which a waiter may see first.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		code, body := call(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "greet", "ExecutionName": "e1"})
		if code == http.StatusNotFound && body["Code"] == "ExecutionNotExists" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("DescribeExecution(e1) = %d %v, want 404 ExecutionNotExists (dropped)", code, body)
		}
	}
	for _, name := range []string{"e2", "e3"} {
		if code, body := call(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "greet", "ExecutionName": name}); code != http.StatusOK {
			t.Errorf("DescribeExecution(%s) = %d %v, want it kept", name, code, body)
		}
	}
}
