package dispatch_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
)

func fcClient(t *testing.T, url, token string) *dispatch.FC {
	t.Helper()
	c, err := dispatch.NewFCClient(dispatch.FCClientConfig{
		AccountID: "1234", Region: "cn-hangzhou",
		Endpoint: strings.TrimPrefix(url, "http://"), Protocol: "http",
		AccessKeyID: "LTAItest", AccessKeySecret: "secret", SecurityToken: token,
	})
	if err != nil {
		t.Fatalf("NewFCClient: %v", err)
	}
	return dispatch.NewFC(c, "cloudflow-start-execution", dispatch.FCOptions{})
}

func TestFC_Enqueue_Accepted(t *testing.T) {
	srv := newStandIn(t, http.StatusAccepted, map[string]string{"x-fc-request-id": "r-1"}, "")
	if err := fcClient(t, srv.URL, "sts-token").Enqueue(context.Background(), ref); err != nil {
		t.Fatalf("Enqueue() = %v, want nil on 202", err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("stand-in got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/2023-03-30/functions/cloudflow-start-execution/invocations" || r.query != "qualifier=LATEST" {
		t.Errorf("request = %s %s?%s, want POST /2023-03-30/functions/cloudflow-start-execution/invocations?qualifier=LATEST", r.method, r.path, r.query)
	}
	if got := r.header.Get("x-fc-invocation-type"); got != "Async" {
		t.Errorf("x-fc-invocation-type = %q, want Async", got)
	}
	if r.body != wantPayload {
		t.Errorf("body = %s, want %s", r.body, wantPayload)
	}
	sum := sha256.Sum256([]byte(wantPayload))
	for name, want := range map[string]string{
		"x-acs-content-sha256": hex.EncodeToString(sum[:]),
		"x-acs-action":         "InvokeFunction",
		"x-acs-version":        "2023-03-30",
		"x-acs-security-token": "sts-token",
		"content-type":         "application/octet-stream",
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if got := r.header.Get("Authorization"); !strings.HasPrefix(got, "ACS3-HMAC-SHA256 Credential=LTAItest,SignedHeaders=") || !strings.Contains(got, ",Signature=") {
		t.Errorf("Authorization = %q, want an ACS3-HMAC-SHA256 signature with key LTAItest", got)
	}
	if r.header.Get("x-acs-date") == "" || r.header.Get("x-acs-signature-nonce") == "" {
		t.Errorf("signing headers x-acs-date / x-acs-signature-nonce missing: %v", r.header)
	}
}

func TestFC_Enqueue_Rejected(t *testing.T) {
	t.Run("unexpected 200", func(t *testing.T) {
		srv := newStandIn(t, http.StatusOK, nil, "done")
		err := fcClient(t, srv.URL, "").Enqueue(context.Background(), ref)
		var se *dispatch.StatusError
		if !errors.As(err, &se) || se.Status != 200 || !errors.Is(err, dispatch.ErrNotAccepted) {
			t.Fatalf("Enqueue() = %v, want StatusError with status 200", err)
		}
		if got := srv.requests()[0].header.Get("x-acs-security-token"); got != "" {
			t.Errorf("x-acs-security-token = %q without a token, want none", got)
		}
	})
	t.Run("function not found", func(t *testing.T) {
		srv := newStandIn(t, http.StatusNotFound, map[string]string{"Content-Type": "application/json"},
			`{"Code":"FunctionNotFound","Message":"function 'cloudflow-start-execution' does not exist","RequestId":"r-2"}`)
		err := fcClient(t, srv.URL, "").Enqueue(context.Background(), ref)
		if err == nil || !strings.Contains(err.Error(), "FunctionNotFound") || !strings.Contains(err.Error(), "invoke cloudflow-start-execution") {
			t.Fatalf("Enqueue() = %v, want the FunctionNotFound error naming the function", err)
		}
		if n := len(srv.requests()); n != 1 {
			t.Errorf("stand-in got %d requests, want 1 (no retries)", n)
		}
	})
}

func TestNewFCClient_Errors(t *testing.T) {
	tests := []struct {
		name string
		cfg  dispatch.FCClientConfig
		want string
	}{
		{"no region", dispatch.FCClientConfig{AccountID: "1", AccessKeyID: "k", AccessKeySecret: "s"}, "region"},
		{"no account", dispatch.FCClientConfig{Region: "cn-hangzhou", AccessKeyID: "k", AccessKeySecret: "s"}, "account"},
		{"no secret", dispatch.FCClientConfig{AccountID: "1", Region: "cn-hangzhou", AccessKeyID: "k"}, "credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := dispatch.NewFCClient(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewFCClient(%s) error = %v, want one mentioning %s", tc.name, err, tc.want)
			}
		})
	}
}
