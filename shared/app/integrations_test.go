package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const parentFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Child
States:
  - Name: Child
    Type: Task
    Action: FNF:StartExecution
    Parameters:
      resourceArn.$: $Input.arn
      executionName.$: $Input.name
      input:
        name: world
    Catch:
      - Errors: [FnF.ALL]
        Next: Caught
    End: true
  - Name: Caught
    Type: Pass
    End: true
`

// decodeOutput parses an execution's Output JSON text.
func decodeOutput(t *testing.T, r map[string]any) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(str(r["Output"])), &out); err != nil {
		t.Fatalf("Output %q: %v", r["Output"], err)
	}
	return out
}

// runParent starts a Standard parent execution with input and waits for
// its end; it returns the parent's decoded output.
func runParent(t *testing.T, a *App, name string, input map[string]string) map[string]any {
	t.Helper()
	in, _ := json.Marshal(input)
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "parent", "ExecutionName": name, "Input": string(in)})
	done := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "parent", "ExecutionName": name, "WaitTimeSeconds": "10"})
	if done["Status"] != "Succeeded" {
		t.Fatalf("parent %s = %v, want Succeeded", name, done)
	}
	return decodeOutput(t, done)
}

func TestApp_FNFStartExecution(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "parent", "Definition": define("parent", parentFlow)})
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "child", "Definition": define("child", passFlow)})
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "quick", "Definition": define("quick", passFlow), "ExecutionMode": "Express"})

	// The parent starts the child and ends at once with the start's reply.
	out := runParent(t, a, "p1", map[string]string{"arn": "acs:fnf:cn-hangzhou::flow/child", "name": "c1"})
	if out["FlowName"] != "child" || out["ExecutionName"] != "c1" || str(out["RequestID"]) == "" {
		t.Fatalf("parent output = %v, want FlowName child, ExecutionName c1 and a RequestID", out)
	}
	// The child runs to completion with the input the parent gave it.
	child := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "child", "ExecutionName": "c1", "WaitTimeSeconds": "10"})
	if child["Status"] != "Succeeded" || str(child["Output"]) != `{"greeting":"world"}` {
		t.Fatalf("child = %v, want Succeeded with {\"greeting\":\"world\"}", child)
	}
	// The account-qualified form naming the caller's own account works too.
	out = runParent(t, a, "p2", map[string]string{"arn": "acs:fnf:cn-hangzhou:default:flow/child", "name": "c2"})
	if out["ExecutionName"] != "c2" {
		t.Errorf("parent output = %v, want ExecutionName c2", out)
	}

	for _, tc := range []struct {
		name, arn, child string
		wantError        string
		wantCause        string
	}{
		{"flow missing", "acs:fnf:cn-hangzhou::flow/nosuch", "x1", "FNF.FlowNotExists", "Flow  nosuch does not exist."},
		{"express child", "acs:fnf:cn-hangzhou::flow/quick", "x2", "FNF.ActionNotSupported", "Express execution is not supported"},
		{"finished child name reused", "acs:fnf:cn-hangzhou::flow/child", "c1", "FNF.ExecutionAlreadyExists", "Execution c1 for flow child already exists."},
		{"other account", "acs:fnf:cn-hangzhou:someone-else:flow/child", "x3", "FNF.AccessDenied", "another account"},
		{"fc arn", "acs:fc:cn-hangzhou:1:functions/f/LATEST", "x4", "FNF.InvalidArgument", "resourceArn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := runParent(t, a, "p-"+tc.child, map[string]string{"arn": tc.arn, "name": tc.child})
			if out["Error"] != tc.wantError || !strings.Contains(str(out["Cause"]), tc.wantCause) {
				t.Errorf("caught = %v, want Error %s with Cause containing %q", out, tc.wantError, tc.wantCause)
			}
		})
	}
}

const httpFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Notify
States:
  - Name: Notify
    Type: Task
    Action: HTTP:Request
    Parameters:
      url.$: $Input.url
      method: post
      headers: {X-Source: cloudflow}
      body:
        order.$: $Input.order
    OutputConstructor:
      code.$: $Output.Code
      id.$: $Output.Body.id
    Catch:
      - Errors: [FnF.ALL]
        Next: Caught
    End: true
  - Name: Caught
    Type: Pass
    End: true
`

func TestApp_HTTPRequest(t *testing.T) {
	var gotBody, gotSource string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody, gotSource = string(b), r.Header.Get("X-Source")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"n-1"}`)
	}))
	defer srv.Close()
	a, err := New(Config{Store: StoreMemory, HTTPAllowHosts: []string{strings.TrimPrefix(srv.URL, "http://")}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "notify", "Definition": define("notify", httpFlow), "ExecutionMode": "Express"})

	r := mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": "notify", "Input": `{"url":"` + srv.URL + `/hook","order":7}`})
	if out := decodeOutput(t, r); r["Status"] != "Succeeded" || out["code"] != float64(200) || out["id"] != "n-1" {
		t.Errorf("StartSyncExecution = %v, want Succeeded with code 200 and id n-1", r)
	}
	if gotBody != `{"order":7}` || gotSource != "cloudflow" {
		t.Errorf("server got body %q, X-Source %q; want {\"order\":7} and cloudflow", gotBody, gotSource)
	}
	// A host outside CLOUDFLOW_HTTP_ALLOW_HOSTS is refused.
	r = mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": "notify", "Input": `{"url":"http://example.invalid/","order":1}`})
	if out := decodeOutput(t, r); out["Error"] != "HTTP.HostNotAllowed" {
		t.Errorf("StartSyncExecution(disallowed host) = %v, want Error HTTP.HostNotAllowed", r)
	}
}

const fcFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Charge
States:
  - Name: Charge
    Type: Task
    Action: FC:InvokeFunction
    Parameters:
      resourceArn: acs:fc:cn-hangzhou:1234567890:functions/charge/LATEST
      invocationType: Sync
      body:
        order.$: $Input.order
    OutputConstructor:
      receipt.$: $Output.Body.receiptId
    Catch:
      - Errors: [FnF.ALL]
        Next: Caught
    End: true
  - Name: Caught
    Type: Pass
    End: true
`

func TestApp_FCInvokeFunction(t *testing.T) {
	var gotPath, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotPath, gotBody = r.URL.RequestURI(), string(b)
		_, _ = io.WriteString(w, `{"receiptId":"r-1"}`)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name      string
		creds     AlibabaCredentials
		want      map[string]any
		wantCalls bool
	}{
		{"configured", AlibabaCredentials{AccessKeyID: "ak", AccessKeySecret: "sk"}, map[string]any{"receipt": "r-1"}, true},
		{"no credentials", AlibabaCredentials{}, map[string]any{"Error": "FC.Unknown"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gotPath, gotBody = "", ""
			a, err := New(Config{Store: StoreMemory, FCEndpoint: srv.URL, Alibaba: tc.creds})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "charge", "Definition": define("charge", fcFlow), "ExecutionMode": "Express"})
			r := mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": "charge", "Input": `{"order":7}`})
			out := decodeOutput(t, r)
			for k, v := range tc.want {
				if out[k] != v {
					t.Errorf("output = %v, want %s = %v", out, k, v)
				}
			}
			if called := gotPath != ""; called != tc.wantCalls {
				t.Fatalf("FC stand-in called = %v, want %v", called, tc.wantCalls)
			}
			if tc.wantCalls && (gotPath != "/2023-03-30/functions/charge/invocations?qualifier=LATEST" || gotBody != `{"order":7}`) {
				t.Errorf("FC got %s %q, want /2023-03-30/functions/charge/invocations?qualifier=LATEST {\"order\":7}", gotPath, gotBody)
			}
		})
	}
}

func TestConfigFromEnv_HTTPAllowHosts(t *testing.T) {
	cfg, err := ConfigFromEnv(func(k string) string {
		if k == EnvHTTPAllowHosts {
			return " api.example.com, ,127.0.0.1:8080,*.corp.example "
		}
		return ""
	})
	want := []string{"api.example.com", "127.0.0.1:8080", "*.corp.example"}
	if err != nil || strings.Join(cfg.HTTPAllowHosts, "|") != strings.Join(want, "|") {
		t.Fatalf("ConfigFromEnv() HTTPAllowHosts = %q, %v; want %q", cfg.HTTPAllowHosts, err, want)
	}
}
