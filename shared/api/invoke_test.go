package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

func TestHandler_Invoke_Cases(t *testing.T) {
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: interp.New(interp.Options{Tasks: echoTasks{}})})
	t.Cleanup(func() { _ = svc.Close() })
	var throttled []string
	h := api.NewHandler(svc, api.Options{Allow: func(account, action string) bool {
		throttled = append(throttled, account+"/"+action)
		return action != "DeleteFlow"
	}})
	alice := auth.NewContext(context.Background(), auth.Identity{AccountID: "alice", AccessKeyID: "ak1"})
	bob := auth.NewContext(context.Background(), auth.Identity{AccountID: "bob", AccessKeyID: "ak2"})
	def := defOf("f1")
	if _, err := h.Invoke(alice, "CreateFlow", url.Values{"Name": {"f1"}, "Definition": {def}, "Type": {"FDL"}}); err != nil {
		t.Fatalf("Invoke(CreateFlow) = %v", err)
	}

	tests := []struct {
		name   string
		ctx    context.Context
		action string
		params url.Values
		code   string // "" for success
		msg    string // substring of the message or description
	}{
		{"start", alice, "StartExecution", url.Values{"FlowName": {"f1"}, "ExecutionName": {"e1"}, "Input": {`{"a":1}`}}, "", ""},
		{"input not an object", alice, "StartExecution", url.Values{"FlowName": {"f1"}, "Input": {`[1]`}}, api.CodeInvalidArgument, "Input must be a JSON object."},
		{"bad execution name", alice, "StartExecution", url.Values{"FlowName": {"f1"}, "ExecutionName": {"9x"}}, api.CodeInvalidArgument, "ExecutionName must match"},
		{"another account's flow", bob, "StartExecution", url.Values{"FlowName": {"f1"}}, api.CodeFlowNotExists, "f1"},
		{"throttled", alice, "DeleteFlow", url.Values{"Name": {"f1"}}, api.CodeResourceThrottled, ""},
		{"unknown action", alice, "Frobnicate", nil, api.CodeActionNotSupported, "Frobnicate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := h.Invoke(tc.ctx, tc.action, tc.params)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Invoke(%s) = %v, want success", tc.action, err)
				}
				if r, ok := resp.(*api.ExecutionResponse); !ok || r.Name != "e1" || r.RequestID == "" {
					t.Errorf("Invoke(%s) = %#v, want an ExecutionResponse for e1 with a RequestId", tc.action, resp)
				}
				return
			}
			if err == nil || err.Code != tc.code || !strings.Contains(err.Message+" "+err.Description, tc.msg) {
				t.Fatalf("Invoke(%s) = %v, %+v; want %s mentioning %q", tc.action, resp, err, tc.code, tc.msg)
			}
			if tc.code == api.CodeInvalidArgument && err.Status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", err.Status)
			}
		})
	}
	if len(throttled) == 0 || throttled[0] != "alice/CreateFlow" {
		t.Errorf("Allow calls = %v, want the caller's account and action first (alice/CreateFlow)", throttled)
	}
}
