package api_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

func TestHandler_ServeHTTP_Errors(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	e.createFlow(t, "exp", "Express")
	wantOK(t, e.call(t, "StartExecution", map[string]string{"FlowName": "std", "ExecutionName": "done"}))
	waitStatus(t, e, "std", "done", "Succeeded")

	tests := []struct {
		name    string
		action  string
		params  map[string]string
		status  int
		code    string
		message string
	}{
		{"unknown action", "RunEverything", nil, 400, "ActionNotSupported", "The requested API operation 'RunEverything' is incorrect. Please check."},
		{"missing flow name", "DescribeFlow", nil, 400, "MissingRequiredParams", "The HTTP query 'Name' must be specified."},
		{"missing definition", "CreateFlow", map[string]string{"Name": "x"}, 400, "MissingRequiredParams", "The HTTP query 'Definition' must be specified."},
		{"bad flow name", "CreateFlow", map[string]string{"Name": "9lives", "Definition": "x"}, 400, "InvalidArgument", "Parameter error. Name must match ^[A-Za-z_][A-Za-z0-9_-]{0,127}$."},
		{"bad type", "CreateFlow", map[string]string{"Name": "x", "Definition": "d", "Type": "ASL"}, 400, "InvalidArgument", "Parameter error. Type must be FDL."},
		{"bad mode", "CreateFlow", map[string]string{"Name": "x", "Definition": "d", "ExecutionMode": "Turbo"}, 400, "InvalidArgument", "Parameter error. ExecutionMode must be Standard or Express."},
		{"bad environment", "CreateFlow", map[string]string{"Name": "x", "Definition": "d", "Environment": "[1]"}, 400, "InvalidArgument", "Parameter error. Environment must be a JSON object (as a string)."},
		{"invalid definition", "CreateFlow", map[string]string{"Name": "x", "Definition": "Type: StateMachine\nSpecVersion: v1\nName: x\nStartAt: Start\nStates:\n  - Name: Start\n    Type: Bogus\n    End: true\n"}, 400, "InvalidArgument", `Parameter error. Definition is invalid: States[0](Start).Type (line 7, column 11): unknown state type "Bogus" (want Pass, Task, Wait, Choice, Succeed, Fail, Parallel or Map).`},
		{"flow exists", "CreateFlow", map[string]string{"Name": "std", "Definition": defOf("std")}, 409, "FlowAlreadyExists", "Flow std already exists."},
		{"flow missing", "DescribeFlow", map[string]string{"Name": "orders"}, 404, "FlowNotExists", "Flow  orders does not exist."},
		{"flow missing on start", "StartExecution", map[string]string{"FlowName": "orders"}, 404, "FlowNotExists", "Flow  orders does not exist."},
		{"flow missing on delete", "DeleteFlow", map[string]string{"Name": "orders"}, 404, "FlowNotExists", "Flow  orders does not exist."},
		{"execution missing", "DescribeExecution", map[string]string{"FlowName": "std", "ExecutionName": "nope"}, 404, "ExecutionNotExists", "Execution nope for flow std does not exist."},
		{"execution ended", "StartExecution", map[string]string{"FlowName": "std", "ExecutionName": "done"}, 400, "ExecutionAlreadyExists", "Execution done for flow std already exists."},
		{"stop ended", "StopExecution", map[string]string{"FlowName": "std", "ExecutionName": "done"}, 400, "ExecutionAlreadyCompleted", "Execution 'done' for flow 'std' has already completed."},
		{"express on start", "StartExecution", map[string]string{"FlowName": "exp"}, 400, "ActionNotSupported", "Express execution is not supported"},
		{"standard on sync", "StartSyncExecution", map[string]string{"FlowName": "std"}, 400, "ActionNotSupported", "Standard execution is not supported"},
		{"input too large", "StartExecution", map[string]string{"FlowName": "std", "Input": `{"a":"` + strings.Repeat("x", 65536) + `"}`}, 400, "EntityTooLarge", "The payload size exceeds maximum allowed size (65536 bytes)."},
		{"input not object", "StartExecution", map[string]string{"FlowName": "std", "Input": `[1,2]`}, 400, "InvalidArgument", "Parameter error. Input must be a JSON object."},
		{"input not json", "StartExecution", map[string]string{"FlowName": "std", "Input": `{`}, 400, "InvalidArgument", "Parameter error. Input must be a JSON object. It is not valid JSON: unexpected end of JSON input at byte 1."},
		{"qualifier", "StartExecution", map[string]string{"FlowName": "std", "Qualifier": "1"}, 400, "InvalidArgument", "Parameter error. Qualifier 1 names no version or alias of flow std."},
		{"wait too long", "DescribeExecution", map[string]string{"FlowName": "std", "ExecutionName": "done", "WaitTimeSeconds": "61"}, 400, "InvalidArgument", "Parameter error. WaitTimeSeconds must be an integer from 0 to 60."},
		{"list flows limit", "ListFlows", map[string]string{"Limit": "0"}, 400, "InvalidArgument", "Parameter error. Limit must be an integer from 1 to 1000."},
		{"list executions limit", "ListExecutions", map[string]string{"FlowName": "std", "Limit": "101"}, 400, "InvalidArgument", "Parameter error. Limit must be an integer from 1 to 100."},
		{"list executions status", "ListExecutions", map[string]string{"FlowName": "std", "Status": "Done"}, 400, "InvalidArgument", "Parameter error. Status must be one of Starting, Running, Stopped, Succeeded, Failed, TimedOut."},
		{"list executions time", "ListExecutions", map[string]string{"FlowName": "std", "StartedTimeBegin": "yesterday"}, 400, "InvalidArgument", "Parameter error. StartedTimeBegin must be a UTC RFC 3339 time such as 2019-01-01T01:01:01.001Z."},
		{"stop error too long", "StopExecution", map[string]string{"FlowName": "std", "ExecutionName": "done", "Error": strings.Repeat("e", 129)}, 400, "InvalidArgument", "Parameter error. Error must be 1 to 128 characters long."},
		{"execution name too long", "DescribeExecution", map[string]string{"FlowName": "std", "ExecutionName": strings.Repeat("e", 166)}, 400, "InvalidArgument", "Parameter error. ExecutionName must be 1 to 165 characters long."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, tc.action, tc.params)
			wantError(t, r, tc.status, tc.code, tc.message)
			if tc.code == "InvalidArgument" && r.str("Description") != strings.TrimPrefix(tc.message, "Parameter error. ") {
				t.Errorf("Description = %q, want the sentence of %q", r.str("Description"), tc.message)
			}
		})
	}
}

func TestHandler_ServeHTTP_Protocol(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	post := func(path, ctype, body string, header map[string]string) reply {
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return do(t, req)
	}
	t.Run("missing action", func(t *testing.T) {
		wantError(t, post("/?Version=2019-03-15", "", "", nil), 400, "MissingRequiredParams", "The HTTP query 'Action' must be specified.")
	})
	t.Run("missing version", func(t *testing.T) {
		wantError(t, post("/?Action=ListFlows", "", "", nil), 400, "MissingRequiredParams", "The HTTP query 'Version' must be specified.")
	})
	t.Run("wrong version", func(t *testing.T) {
		wantError(t, post("/?Action=ListFlows&Version=2020-01-01", "", "", nil), 400, "APIVersionNotSupported", "The requested API version '2020-01-01' is not supported yet. Please check.")
	})
	t.Run("other path", func(t *testing.T) {
		wantError(t, post("/flows?Action=ListFlows&Version=2019-03-15", "", "", nil), 400, "ActionNotSupported", "The requested API operation '/flows' is incorrect. Please check.")
	})
	t.Run("body too large", func(t *testing.T) {
		body := "Name=" + strings.Repeat("a", 1<<20)
		wantError(t, post("/?Action=DescribeFlow&Version=2019-03-15", "application/x-www-form-urlencoded", body, nil), 400, "EntityTooLarge", "The payload size exceeds maximum allowed size (1048576 bytes).")
	})
	t.Run("unsupported media type", func(t *testing.T) {
		wantError(t, post("/?Action=DescribeFlow&Version=2019-03-15", "application/xml", "<Name>std</Name>", nil), 415, "UnsupportedMediaType", `The content type must be "application/json".`)
	})
	t.Run("json array body", func(t *testing.T) {
		wantError(t, post("/?Action=DescribeFlow&Version=2019-03-15", "application/json", `["std"]`, nil), 400, "InvalidArgument", "Parameter error. The request body must be a JSON object, not an array.")
	})
	t.Run("acs3 headers", func(t *testing.T) {
		r := post("/?Name=std", "", "", map[string]string{"x-acs-action": "DescribeFlow", "x-acs-version": "2019-03-15"})
		wantOK(t, r)
		if r.str("Name") != "std" {
			t.Errorf("Name = %q, want std", r.str("Name"))
		}
	})
	t.Run("json body", func(t *testing.T) {
		r := post("/", "application/json", `{"Action":"StartExecution","Version":"2019-03-15","FlowName":"std","ExecutionName":"j1","Input":"{\"a\":1}"}`, nil)
		wantOK(t, r)
		if r.str("Name") != "j1" || r.str("Input") != `{"a":1}` {
			t.Errorf("StartExecution via JSON = %s, want Name j1 and Input {\"a\":1}", r.raw)
		}
	})
	t.Run("json body non-string values", func(t *testing.T) {
		r := post("/", "application/json", `{"Action":"ListFlows","Version":"2019-03-15","Limit":1}`, nil)
		wantOK(t, r)
		if flows, _ := r.body["Flows"].([]any); len(flows) != 1 {
			t.Errorf("ListFlows Limit=1 (JSON number) gave %s, want one flow", r.raw)
		}
	})
	t.Run("body wins over query", func(t *testing.T) {
		r := post("/?Action=DescribeFlow&Version=2019-03-15&Name=nope", "application/x-www-form-urlencoded", "Name=std", nil)
		wantOK(t, r)
		if r.str("Name") != "std" {
			t.Errorf("Name = %q, want std from the body", r.str("Name"))
		}
	})
	t.Run("get with query", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/?Action=DescribeFlow&Version=2019-03-15&Name=std", nil)
		r := do(t, req)
		wantOK(t, r)
		if r.str("Id") == "" || r.str("Type") != "FDL" || r.str("ExecutionMode") != "Standard" {
			t.Errorf("DescribeFlow = %s, want Id, Type FDL, ExecutionMode Standard", r.raw)
		}
	})
	t.Run("request id echo", func(t *testing.T) {
		r := post("/?Action=DescribeFlow&Version=2019-03-15&RequestId=my-req-1", "application/x-www-form-urlencoded", "Name=std", nil)
		wantOK(t, r)
		if r.str("RequestId") != "my-req-1" || r.header.Get("x-acs-request-id") != "my-req-1" {
			t.Errorf("RequestId = %q, header %q, want my-req-1", r.str("RequestId"), r.header.Get("x-acs-request-id"))
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json;charset=utf-8" {
			t.Errorf("Content-Type = %q, want application/json;charset=utf-8", ct)
		}
	})
	t.Run("request id generated and host id", func(t *testing.T) {
		r := post("/?Action=DescribeFlow&Version=2019-03-15&Name=nope", "", "", map[string]string{})
		id := r.str("RequestId")
		if len(id) != 36 || id != strings.ToUpper(id) || r.header.Get("x-acs-request-id") != id {
			t.Errorf("generated RequestId = %q (header %q), want an upper-case UUID in both", id, r.header.Get("x-acs-request-id"))
		}
		if host := strings.TrimPrefix(e.srv.URL, "http://"); r.str("HostId") != host {
			t.Errorf("HostId = %q, want the Host %q", r.str("HostId"), host)
		}
	})
}

func TestHandler_ServeHTTP_PanicIs500(t *testing.T) {
	// A panic anywhere in serving (here the authentication hook) is recovered into a 500.
	e := newEnv(t, nil, func(_ *execution.Options, o *api.Options) {
		o.Authenticate = func(*http.Request, []byte, url.Values) (auth.Identity, error) { panic("boom") }
	})
	wantError(t, e.call(t, "DescribeFlow", map[string]string{"Name": "x"}), 500, "InternalServerError", "An internal error has occurred. Please retry.")
}

func TestHandler_ServeHTTP_Hooks(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	e := newEnv(t, nil, func(_ *execution.Options, o *api.Options) {
		o.Operations = []string{"CreateFlow", "DescribeFlow"}
		o.Authenticate = func(r *http.Request, body []byte, p url.Values) (auth.Identity, error) {
			switch p.Get("AccessKeyId") {
			case "bad":
				return auth.Identity{}, api.NewError(api.CodeSignatureNotMatch)
			case "broken":
				return auth.Identity{}, errors.New("verifier exploded")
			}
			return auth.Identity{AccountID: "acct-" + p.Get("AccessKeyId"), AccessKeyID: p.Get("AccessKeyId")}, nil
		}
		o.Allow = func(account, action string) bool {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, account+"/"+action)
			return account != "acct-slow"
		}
	})
	def := defOf("f")
	wantOK(t, e.call(t, "CreateFlow", map[string]string{"AccessKeyId": "a", "Name": "f", "Definition": def}))
	t.Run("operations restrict", func(t *testing.T) {
		wantError(t, e.call(t, "StartExecution", map[string]string{"AccessKeyId": "a", "FlowName": "f"}), 400, "ActionNotSupported", "The requested API operation 'StartExecution' is incorrect. Please check.")
	})
	t.Run("accounts are namespaces", func(t *testing.T) {
		wantError(t, e.call(t, "DescribeFlow", map[string]string{"AccessKeyId": "b", "Name": "f"}), 404, "FlowNotExists", "Flow  f does not exist.")
		wantOK(t, e.call(t, "DescribeFlow", map[string]string{"AccessKeyId": "a", "Name": "f"}))
	})
	t.Run("authentication before parameters", func(t *testing.T) {
		wantError(t, e.call(t, "DescribeFlow", map[string]string{"AccessKeyId": "bad"}), 403, "SignatureNotMatch", "The request signature we calculated does not match the signature you provided. Check your access key and signing method.")
		wantError(t, e.call(t, "DescribeFlow", map[string]string{"AccessKeyId": "broken", "Name": "f"}), 500, "InternalServerError", "An internal error has occurred. Please retry.")
	})
	t.Run("throttled before parameters", func(t *testing.T) {
		wantError(t, e.call(t, "DescribeFlow", map[string]string{"AccessKeyId": "slow"}), 429, "ResourceThrottled", "The request is throttled. Please try again later.")
	})
	mu.Lock()
	defer mu.Unlock()
	if seen[0] != "acct-a/CreateFlow" {
		t.Errorf("Allow first saw %q, want acct-a/CreateFlow", seen[0])
	}
}

// waitStatus long-polls DescribeExecution until the execution has status.
func waitStatus(t *testing.T, e *testEnv, flowName, name, status string) reply {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		wait := "5" // long-poll returns at a terminal status
		if status == "Running" || status == "Starting" {
			wait = "0"
			time.Sleep(5 * time.Millisecond)
		}
		r := e.call(t, "DescribeExecution", map[string]string{"FlowName": flowName, "ExecutionName": name, "WaitTimeSeconds": wait})
		wantOK(t, r)
		if r.str("Status") == status {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s status %s, want %s", name, r.str("Status"), status)
		}
	}
}

func TestHandler_StartExecution(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	start := func(params map[string]string) reply {
		params["FlowName"] = "std"
		return e.call(t, "StartExecution", params)
	}

	t.Run("new", func(t *testing.T) {
		r := start(map[string]string{"ExecutionName": "n1", "Input": `{"k":"v"}`})
		wantOK(t, r)
		if r.str("Name") != "n1" || r.str("FlowName") != "std" || r.str("Status") != "Starting" || r.str("Input") != `{"k":"v"}` {
			t.Errorf("StartExecution = %s, want Name n1, FlowName std, Status Starting, Input echoed", r.raw)
		}
		if !strings.Contains(r.str("FlowDefinition"), "StartAt: Start") {
			t.Errorf("FlowDefinition = %q, want the flow definition", r.str("FlowDefinition"))
		}
		if _, err := time.Parse(api.TimeFormat, r.str("StartedTime")); err != nil || len(r.str("StartedTime")) != 24 {
			t.Errorf("StartedTime = %q, want form 2019-01-01T01:01:01.001Z", r.str("StartedTime"))
		}
		if _, ok := r.body["StoppedTime"]; ok {
			t.Errorf("StoppedTime present on a Starting execution: %s", r.raw)
		}
		d := waitStatus(t, e, "std", "n1", "Succeeded")
		if d.str("Output") != `{"k":"v"}` || d.str("StoppedTime") == "" {
			t.Errorf("finished execution = %s, want Output and StoppedTime", d.raw)
		}
	})
	t.Run("generated name", func(t *testing.T) {
		r := start(map[string]string{})
		wantOK(t, r)
		name := r.str("Name")
		if len(name) != 36 || name != strings.ToLower(name) || name[14] != '4' {
			t.Errorf("generated name %q, want a lower-case UUID v4", name)
		}
	})
	t.Run("running returns the same execution", func(t *testing.T) {
		first := start(map[string]string{"ExecutionName": "busy", "Input": `{"block":true}`})
		wantOK(t, first)
		waitStatus(t, e, "std", "busy", "Running")
		again := start(map[string]string{"ExecutionName": "busy", "Input": `{"other":1}`})
		wantOK(t, again)
		if again.str("Input") != `{"block":true}` || again.str("StartedTime") != first.str("StartedTime") || again.str("Status") != "Running" {
			t.Errorf("second start = %s, want the first execution (input, start time) Running", again.raw)
		}
		list := e.call(t, "ListExecutions", map[string]string{"FlowName": "std", "ExecutionNamePrefix": "busy"})
		if ex, _ := list.body["Executions"].([]any); len(ex) != 1 {
			t.Errorf("executions named busy* = %d, want 1", len(ex))
		}
		stop := e.call(t, "StopExecution", map[string]string{"FlowName": "std", "ExecutionName": "busy", "Error": "Manual", "Cause": "test"})
		wantOK(t, stop)
		if stop.str("Status") != "Stopped" || stop.str("StoppedTime") == "" {
			t.Errorf("StopExecution = %s, want Stopped with StoppedTime", stop.raw)
		}
		wantError(t, start(map[string]string{"ExecutionName": "busy"}), 400, "ExecutionAlreadyExists", "Execution busy for flow std already exists.")
	})
	t.Run("failed stays failed", func(t *testing.T) {
		wantOK(t, start(map[string]string{"ExecutionName": "f1", "Input": `{"fail":{"Code":"E","Detail":"d"}}`}))
		d := waitStatus(t, e, "std", "f1", "Failed")
		if _, ok := d.body["Output"]; ok {
			t.Errorf("failed execution has Output: %s", d.raw)
		}
		wantError(t, start(map[string]string{"ExecutionName": "f1"}), 400, "ExecutionAlreadyExists", "Execution f1 for flow std already exists.")
	})
	for _, bad := range []string{"1abc", "a b", "ä", strings.Repeat("a", 129), "a:b"} {
		t.Run("bad name "+bad[:1], func(t *testing.T) {
			wantError(t, start(map[string]string{"ExecutionName": bad}), 400, "InvalidArgument", "Parameter error. ExecutionName must match ^[A-Za-z_][A-Za-z0-9_-]{0,127}$.")
		})
	}
	t.Run("names are case-sensitive", func(t *testing.T) {
		wantOK(t, start(map[string]string{"ExecutionName": "Case"}))
		r := start(map[string]string{"ExecutionName": "case"})
		wantOK(t, r)
		if r.str("Name") != "case" {
			t.Errorf("Name = %q, want case", r.str("Name"))
		}
	})
}

func TestHandler_StartExecution_Race(t *testing.T) {
	bolt, err := kv.OpenBolt(t.TempDir(), kv.BoltOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bolt.Close() })
	for _, tc := range []struct {
		name  string
		store execution.Store
	}{{"memory", kv.NewMemStore()}, {"bbolt", bolt}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.store, nil)
			e.createFlow(t, "race", "Standard")
			const n = 200
			var wg sync.WaitGroup
			names := make([]string, n)
			starts := make([]string, n)
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					r := e.call(t, "StartExecution", map[string]string{"FlowName": "race", "ExecutionName": "once", "Input": fmt.Sprintf(`{"block":true,"i":%d}`, i)})
					if r.status != 200 {
						errs <- fmt.Errorf("start %d: %d %s", i, r.status, r.raw)
						return
					}
					names[i], starts[i] = r.str("Name")+"|"+r.str("Input"), r.str("StartedTime")
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for i := range n {
				if names[i] != names[0] || starts[i] != starts[0] {
					t.Fatalf("response %d names %s started %s, response 0 names %s started %s", i, names[i], starts[i], names[0], starts[0])
				}
			}
			list := e.call(t, "ListExecutions", map[string]string{"FlowName": "race"})
			if ex, _ := list.body["Executions"].([]any); len(ex) != 1 {
				t.Errorf("executions after the race = %d, want 1", len(ex))
			}
		})
	}
}

func TestHandler_StartSyncExecution(t *testing.T) {
	e := newEnv(t, nil, func(o *execution.Options, _ *api.Options) { o.MaxSyncDuration = 100 * time.Millisecond })
	e.createFlow(t, "exp", "Express")
	sync := func(params map[string]string) reply {
		params["FlowName"] = "exp"
		r := e.call(t, "StartSyncExecution", params)
		wantOK(t, r)
		return r
	}
	t.Run("success", func(t *testing.T) {
		r := sync(map[string]string{"ExecutionName": "s1", "Input": `{"x":1}`})
		name, suffix, _ := strings.Cut(r.str("Name"), ":")
		if name != "s1" || len(suffix) != 36 {
			t.Errorf("Name = %q, want s1:<uuid>", r.str("Name"))
		}
		if r.str("Status") != "Succeeded" || r.str("Output") != `{"x":1}` || r.str("StoppedTime") == "" || r.str("FlowName") != "exp" {
			t.Errorf("StartSyncExecution = %s, want Succeeded with Output and StoppedTime", r.raw)
		}
		if _, ok := r.body["ErrorCode"]; ok {
			t.Errorf("ErrorCode on success: %s", r.raw)
		}
	})
	t.Run("generated name", func(t *testing.T) {
		r := sync(map[string]string{})
		name, suffix, ok := strings.Cut(r.str("Name"), ":")
		if !ok || len(name) != 36 || len(suffix) != 36 {
			t.Errorf("Name = %q, want <uuid>:<uuid>", r.str("Name"))
		}
	})
	t.Run("fail state", func(t *testing.T) {
		r := sync(map[string]string{"Input": `{"fail":{"Code":"Order.Invalid","Detail":"no items"}}`})
		if r.str("Status") != "Failed" || r.str("ErrorCode") != "Order.Invalid" || r.str("ErrorMessage") != "no items" {
			t.Errorf("StartSyncExecution = %s, want Failed Order.Invalid / no items", r.raw)
		}
		if _, ok := r.body["Output"]; ok {
			t.Errorf("Output on failure: %s", r.raw)
		}
	})
	t.Run("timed out", func(t *testing.T) {
		r := sync(map[string]string{"Input": `{"block":true}`})
		if r.str("Status") != "TimedOut" || r.str("ErrorCode") != "FnF.Timeout" {
			t.Errorf("StartSyncExecution = %s, want TimedOut FnF.Timeout", r.raw)
		}
	})
	t.Run("not stored", func(t *testing.T) {
		r := sync(map[string]string{"ExecutionName": "s2"})
		d := e.call(t, "DescribeExecution", map[string]string{"FlowName": "exp", "ExecutionName": r.str("Name")})
		wantError(t, d, 404, "ExecutionNotExists", fmt.Sprintf("Execution %s for flow exp does not exist.", r.str("Name")))
	})
	t.Run("bad name", func(t *testing.T) {
		wantError(t, e.call(t, "StartSyncExecution", map[string]string{"FlowName": "exp", "ExecutionName": "-x"}), 400, "InvalidArgument", "Parameter error. ExecutionName must match ^[A-Za-z_][A-Za-z0-9_-]{0,127}$.")
	})
}
