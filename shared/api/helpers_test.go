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
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// fakeParse accepts every definition except those containing "INVALID",
// which get one located issue. It stands in for flow.Parse so the API can be
// tested independently of the engine.
func fakeParse(src []byte, opts flow.ParseOptions) (*flow.Flow, error) {
	if strings.Contains(string(src), "INVALID") {
		return nil, flow.Issues{{Path: "States[0](Start)", Line: 3, Column: 5, Msg: "Type must be one of Pass, Task, Wait"}}
	}
	return &flow.Flow{}, nil
}

// fakeEngine interprets the execution input: {"fail":{"Code","Detail"}}
// fails, {"block":true} runs until the context ends, anything else succeeds
// with the input as output.
type fakeEngine struct{}

func (fakeEngine) Run(ctx context.Context, _ *flow.Flow, ex interp.Execution) interp.Result {
	var in struct {
		Fail *struct {
			Code, Detail string
		} `json:"fail"`
		Block bool `json:"block"`
	}
	if len(ex.Input) > 0 {
		_ = json.Unmarshal(ex.Input, &in)
	}
	switch {
	case in.Fail != nil:
		return interp.Result{Status: interp.Failed, Error: in.Fail.Code, Cause: in.Fail.Detail}
	case in.Block:
		<-ctx.Done()
		if ctx.Err() == context.DeadlineExceeded {
			return interp.Result{Status: interp.TimedOut, Error: "FnF.Timeout", Cause: "execution timed out"}
		}
		return interp.Result{Status: interp.Stopped}
	}
	out := ex.Input
	if len(out) == 0 {
		out = json.RawMessage("{}")
	}
	return interp.Result{Status: interp.Succeeded, Output: out}
}

type testEnv struct {
	srv *httptest.Server
	svc *execution.Service
}

// newEnv serves the API over a real HTTP server on store (a MemStore when
// nil), with the fake parser and engine unless configure replaces them.
func newEnv(t testing.TB, store execution.Store, configure func(*execution.Options, *api.Options)) *testEnv {
	t.Helper()
	if store == nil {
		store = kv.NewMemStore()
	}
	sopts := execution.Options{Parse: fakeParse, Engine: fakeEngine{}, PollInterval: 20e6}
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

const testDef = "Type: StateMachine\nSpecVersion: v1\nName: %s\nStartAt: Start\nStates:\n  - Name: Start\n    Type: Pass\n    End: true\n"

func (e *testEnv) createFlow(t *testing.T, name, mode string) reply {
	t.Helper()
	r := e.call(t, "CreateFlow", map[string]string{
		"Name": name, "Definition": strings.Replace(testDef, "%s", name, 1), "Description": "test flow",
		"Type": "FDL", "ExecutionMode": mode,
	})
	wantOK(t, r)
	return r
}
