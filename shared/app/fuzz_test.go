package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

// fuzzParams are the parameter names FuzzApp_Handler gives random values. WaitTimeSeconds is
// left out: a valid one would make each input long-poll.
var fuzzParams = []string{
	"Name", "FlowName", "ExecutionName", "Definition", "Description", "Type", "ExecutionMode",
	"Environment", "Input", "Qualifier", "FlowVersion", "NextToken", "Limit", "Status",
	"StartedTimeBegin", "StartedTimeEnd", "ExecutionNamePrefix", "MetadataOnly", "Error", "Cause",
	"TaskToken", "Output", "RoutingConfigurations", "CallbackFnFTaskToken", "MapRunName",
	"ResourceGroupId", "RoleArn", "ExternalStorageLocation", "RequestId",
}

// FuzzApp_Handler calls the whole API handler (unsigned mode, the memory store, the real parser
// and engine) with a random Action and random values for three random parameters, the others
// naming flows, versions, an alias and an execution that exist, as form or JSON body: no answer
// may be a 5xx, and every answer is a JSON object with a RequestId.
func FuzzApp_Handler(f *testing.F) {
	f.Add(uint8(0), uint32(0), "", "", "")
	f.Add(uint8(3), uint32(0x000b0b0b), strings.Repeat("n", 1500), "x", "y")
	f.Add(uint8(7), uint32(0x01090909), strings.Repeat("q", 2000), "", "")
	f.Add(uint8(9), uint32(0x000a0a0a), "01", "99999999999999999999", "latest")
	f.Add(uint8(11), uint32(0x00080808), "{\"a\":\"\xff\"}", "[]", "{")
	f.Add(uint8(5), uint32(0x01141414), "t", strings.Repeat("t", 5000), "%zz")
	f.Add(uint8(2), uint32(0x00030303), "Express", "Standard", "FDL")
	a, err := New(Config{Store: StoreMemory, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = a.Close() })
	seed := func(action string, params map[string]string) {
		form := url.Values{}
		for k, v := range params {
			form.Set(k, v)
		}
		req := httptest.NewRequest(http.MethodPost, "/?Action="+action+"&Version="+api.Version, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			f.Fatalf("seed %s = %d %s", action, rec.Code, rec.Body)
		}
	}
	seed("CreateFlow", map[string]string{"Name": "std", "Definition": define("std", passFlow)})
	seed("CreateFlow", map[string]string{"Name": "exp", "Definition": define("exp", passFlow), "ExecutionMode": "Express"})
	seed("PublishFlowVersion", map[string]string{"FlowName": "std"})
	seed("CreateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `[{"Version":"1","Weight":1}]`})
	seed("StartExecution", map[string]string{"FlowName": "std", "ExecutionName": "e1", "Input": `{"name":"Ada"}`})
	actions := api.Actions()
	slices.Sort(actions)
	f.Fuzz(func(t *testing.T, action uint8, pick uint32, v1, v2, v3 string) {
		params := map[string]string{"FlowName": "std", "Name": "std", "ExecutionName": "e1"}
		for i, v := range []string{v1, v2, v3} {
			params[fuzzParams[int(pick>>(8*i)&0xff)%len(fuzzParams)]] = v
		}
		name := actions[int(action)%len(actions)]
		var req *http.Request
		if pick>>24&1 == 0 {
			form := url.Values{}
			for k, v := range params {
				form.Set(k, v)
			}
			req = httptest.NewRequest(http.MethodPost, "/?Action="+name+"&Version="+api.Version, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			data, _ := json.Marshal(params) // invalid UTF-8 becomes U+FFFD here, valid JSON
			req = httptest.NewRequest(http.MethodPost, "/?Action="+name+"&Version="+api.Version, strings.NewReader(string(data)))
			req.Header.Set("Content-Type", "application/json")
		}
		// A fuzzed flow could loop: bound every request, as a client's deadline would.
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.Handler.ServeHTTP(rec, req.WithContext(ctx))
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("%s %q still running 10 s after its 2 s deadline:\n%s", name, params, buf[:runtime.Stack(buf, true)])
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %q: body %q is not a JSON object: %v", name, params, rec.Body.String(), err)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %q = %d %v, want no 5xx", name, params, rec.Code, out)
		}
		if id, _ := out["RequestId"].(string); id == "" {
			t.Fatalf("%s: no RequestId in %v", name, out)
		}
	})
}
