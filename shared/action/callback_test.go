package action

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

func TestHTTP_Invoke_TaskTokenHeader(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-FnF-Http-Callback-Task-Token"))
	}))
	defer srv.Close()
	h := NewHTTP(HTTPOptions{})
	for _, tc := range []struct {
		name, token string
		mode        flow.TaskMode
	}{
		{"custom callback", "tok-1", flow.WaitForCustomCallback},
		{"request complete", "", flow.RequestComplete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got = nil
			call := interp.TaskCall{State: "S", Action: ActionHTTPRequest, Mode: tc.mode, TaskToken: tc.token,
				Parameters: map[string]any{"url": srv.URL, "headers": map[string]any{"X-FnF-Http-Callback-Task-Token": "forged"}}}
			if _, err := h.Invoke(context.Background(), call); err != nil {
				t.Fatal(err)
			}
			want := tc.token
			if want == "" {
				want = "forged" // without a token the flow's own header stays
			}
			if len(got) != 1 || got[0] != want {
				t.Errorf("token header = %q, want [%q]", got, want)
			}
		})
	}
}

func TestFNF_Invoke_CallbackModes(t *testing.T) {
	params := map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child", "executionName": "c1"}
	for _, tc := range []struct {
		name          string
		mode          flow.TaskMode
		wantToken     string
		wantSubmitted bool
	}{
		{"system callback waits for the child", flow.WaitForSystemCallback, "tok-9", true},
		{"custom callback passes no token", flow.WaitForCustomCallback, "", false},
		{"request complete", flow.RequestComplete, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStarter{}
			call := fnfCall(params)
			call.Mode = tc.mode
			if tc.mode != flow.RequestComplete {
				call.TaskToken = "tok-9"
			}
			res, err := NewFNF(st, FNFOptions{}).Invoke(accountCtx("acct"), call)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.got) != 1 || st.got[0].CallbackTaskToken != tc.wantToken {
				t.Fatalf("starts = %+v, want one with CallbackTaskToken %q", st.got, tc.wantToken)
			}
			if _, ok := res.(interp.Submitted); ok != tc.wantSubmitted {
				t.Errorf("result = %#v, want Submitted %v", res, tc.wantSubmitted)
			}
		})
	}
}
