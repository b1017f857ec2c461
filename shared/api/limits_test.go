package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

func TestHandler_ServeHTTP_MethodNotAllowed(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, m := range []string{"TRACE", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW"} {
		t.Run(m, func(t *testing.T) {
			req, _ := http.NewRequest(m, e.srv.URL+"/?Action=ListFlows&Version="+api.Version, nil)
			if m == "HEAD" {
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = res.Body.Close()
				if res.StatusCode != http.StatusMethodNotAllowed {
					t.Errorf("HEAD = %d, want 405", res.StatusCode)
				}
				return
			}
			r := do(t, req)
			wantError(t, r, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed,
				`The HTTP method "`+m+`" is not allowed: use GET or POST.`)
			if got := r.header.Get("Allow"); got != "GET, POST" {
				t.Errorf("Allow = %q, want GET, POST", got)
			}
		})
	}
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(m, e.srv.URL+"/?Action=ListFlows&Version="+api.Version, nil)
		wantOK(t, do(t, req))
	}
}

// TestHandler_StartSyncExecution_CapPerAccount holds the account's only sync slot with a
// blocked run: a second StartSyncExecution of the same account is 429 ResourceThrottled, and
// the slot is free again once the run ends.
func TestHandler_StartSyncExecution_CapPerAccount(t *testing.T) {
	caps := throttle.NewConcurrency(1)
	e := newEnv(t, nil, func(_ *execution.Options, o *api.Options) { o.AcquireSync = caps.Acquire })
	e.createFlow(t, "exp", "Express")
	done := make(chan error, 1)
	go func() {
		form := url.Values{"FlowName": {"exp"}, "Input": {`{"block":true}`}}
		res, err := http.PostForm(e.srv.URL+"/?Action=StartSyncExecution&Version="+api.Version, form)
		if err == nil {
			_ = res.Body.Close()
		}
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for caps.InFlight(auth.DefaultAccount) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the blocked run never took its slot")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := e.call(t, "StartSyncExecution", map[string]string{"FlowName": "exp", "Input": `{}`})
	wantError(t, r, http.StatusTooManyRequests, api.CodeResourceThrottled, "The request is throttled. Please try again later.")
	// Stopping a sync execution is not possible, so let the handler's client give up instead:
	// closing the server cancels the blocked run's context.
	e.srv.CloseClientConnections()
	<-done
	// The client's pooled connection was closed too: retry until a fresh one is served.
	deadline = time.Now().Add(5 * time.Second)
	for {
		res, err := http.PostForm(e.srv.URL+"/?Action=StartSyncExecution&Version="+api.Version, url.Values{"FlowName": {"exp"}, "Input": {`{}`}})
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("StartSyncExecution after the slot came back: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r = e.call(t, "StartSyncExecution", map[string]string{"FlowName": "exp", "Input": `{}`})
	wantOK(t, r)
	if !strings.Contains(r.raw, `"Status":"Succeeded"`) {
		t.Errorf("StartSyncExecution after the slot came back = %s, want Succeeded", r.raw)
	}
}
