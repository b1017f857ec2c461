package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// echoTasks runs the Task of testDef flows on the state's input:
// {"fail":{"Code","Detail"}} fails with that error, {"block":true} runs
// until the context ends, anything else is the task's result.
type echoTasks struct{}

func (echoTasks) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	in, _ := call.Input.(map[string]any)
	if fail, ok := in["fail"].(map[string]any); ok {
		code, _ := fail["Code"].(string)
		detail, _ := fail["Detail"].(string)
		return nil, &interp.Error{Name: code, Detail: detail}
	}
	if in["block"] == true {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return call.Input, nil
}

type testEnv struct {
	srv *httptest.Server
	svc *execution.Service
}

// newEnv serves the API over a real HTTP server on store (a MemStore when
// nil), with the real parser and engine, whose Tasks run on echoTasks
// unless configure replaces the engine.
func newEnv(t testing.TB, store execution.Store, configure func(*execution.Options, *api.Options)) *testEnv {
	t.Helper()
	if store == nil {
		store = kv.NewMemStore()
	}
	sopts := execution.Options{Engine: interp.New(interp.Options{Tasks: echoTasks{}}), PollInterval: 20e6}
	var hopts api.Options
	if configure != nil {
		configure(&sopts, &hopts)
	}
	svc := execution.New(store, sopts)
	srv := httptest.NewServer(api.NewHandler(svc, hopts))
	t.Cleanup(func() {
		srv.Close()
		_ = svc.Close()
	})
	return &testEnv{srv: srv, svc: svc}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// call posts a form-encoded request for action with Action and Version in
// the query.
func (e *testEnv) call(t *testing.T, action string, params map[string]string) reply {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	q := url.Values{"Action": {action}, "Version": {api.Version}}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/?"+q.Encode(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", raw, err)
	}
	return r
}

// wantError asserts an error reply.
func wantError(t *testing.T, r reply, status int, code, message string) {
	t.Helper()
	if r.status != status || r.str("Code") != code || r.str("Message") != message {
		t.Fatalf("reply = %d %s %q, want %d %s %q (body %s)", r.status, r.str("Code"), r.str("Message"), status, code, message, r.raw)
	}
	if r.str("RequestId") == "" {
		t.Errorf("error body %s has no RequestId", r.raw)
	}
}

func wantOK(t *testing.T, r reply) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("reply = %d %s, want 200", r.status, r.raw)
	}
}

// testDef is the definition of the test flows: one Task state that
// echoTasks runs.
const testDef = "Type: StateMachine\nSpecVersion: v1\nName: %s\nStartAt: Start\nStates:\n  - Name: Start\n    Type: Task\n    Action: Test:Echo\n    End: true\n"

// defOf is testDef for flow name; a tag gives each version of a flow a
// text of its own.
func defOf(name string, tag ...string) string {
	def := strings.Replace(testDef, "%s", name, 1)
	for _, t := range tag {
		def += "# " + t + "\n"
	}
	return def
}

func (e *testEnv) createFlow(t *testing.T, name, mode string) reply {
	t.Helper()
	r := e.call(t, "CreateFlow", map[string]string{
		"Name": name, "Definition": defOf(name), "Description": "test flow",
		"Type": "FDL", "ExecutionMode": mode,
	})
	wantOK(t, r)
	return r
}
