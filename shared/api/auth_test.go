package api_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

func TestErrorFor_Auth(t *testing.T) {
	reqTime := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	serverTime := reqTime.Add(20 * time.Minute)
	tests := []struct {
		name    string
		err     error
		status  int
		code    string
		message string
	}{
		{"missing param", &auth.MissingParamError{Name: "Signature"}, 400, "MissingRequiredParams", "The HTTP query 'Signature' must be specified."},
		{"missing header", &auth.MissingHeaderError{Name: "x-acs-date"}, 400, "MissingRequiredHeader", "The HTTP header 'x-acs-date' must be specified."},
		{"invalid param", &auth.InvalidParamError{Name: "SignatureMethod", Reason: "must be HMAC-SHA1"}, 400, "InvalidArgument", "Parameter error. SignatureMethod must be HMAC-SHA1."},
		{"unknown key", &auth.InvalidKeyError{AccessKeyID: "nobody", Err: auth.ErrUnknownKey}, 403, "InvalidAccessKeyID", "The AccessKey ID nobody is invalid."},
		{"sts token", &auth.InvalidKeyError{AccessKeyID: "STS.x", Err: auth.ErrSecurityToken}, 403, "InvalidAccessKeyID", "The AccessKey ID STS.x is invalid."},
		{"token verifier's own error", &auth.InvalidKeyError{AccessKeyID: "STS.y", Err: errors.New("expired")}, 403, "InvalidAccessKeyID", "The AccessKey ID STS.y is invalid."},
		{"signature", auth.ErrSignatureMismatch, 403, "SignatureNotMatch", "The request signature we calculated does not match the signature you provided. Check your access key and signing method."},
		{"wrapped signature", fmt.Errorf("bearer tokens are not accepted: %w", auth.ErrSignatureMismatch), 403, "SignatureNotMatch", "The request signature we calculated does not match the signature you provided. Check your access key and signing method."},
		{"skew", &auth.SkewError{RequestTime: reqTime, ServerTime: serverTime}, 403, "RequestTimeTooSkewed", "The difference between the request time 2025-01-01T00:00:00Z and the current time 2025-01-01T00:20:00Z is too large."},
		{"nonce", auth.ErrNonceUsed, 403, "SignatureNonceUsed", "Specified signature nonce was used already."},
		{"nonce cache full", auth.ErrNonceCacheFull, 429, "ResourceThrottled", "The request is throttled. Please try again later."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := api.ErrorFor(tc.err)
			if got.Status != tc.status || got.Code != tc.code || got.Message != tc.message {
				t.Errorf("ErrorFor(%v) = %d %s %q, want %d %s %q", tc.err, got.Status, got.Code, got.Message, tc.status, tc.code, tc.message)
			}
		})
	}
}

const (
	testKeyID  = "LTAI5tApiTest"
	testSecret = "api-test-secret"
	testAcct   = "1234567890"
)

// signedEnv serves the API with a real verifier for testKeyID at the fixed
// clock now and, when limits is set, a throttle hook.
func signedEnv(t *testing.T, now time.Time, allow func(account, action string) bool) *testEnv {
	t.Helper()
	keys, err := auth.ParseKeys(testKeyID + ":" + testSecret + "@" + testAcct)
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(keys, func() time.Time { return now }, auth.Options{})
	return newEnv(t, nil, func(_ *execution.Options, h *api.Options) {
		h.Authenticate = v.Verify
		h.Allow = allow
	})
}

// rpcSign adds the RPC HMAC-SHA1 protocol parameters to q and signs q plus
// body (reference 12.3) with secret.
func rpcSign(method string, q, body url.Values, secret, nonce string, at time.Time) {
	q.Set("AccessKeyId", testKeyID)
	q.Set("SignatureMethod", "HMAC-SHA1")
	q.Set("SignatureVersion", "1.0")
	q.Set("SignatureNonce", nonce)
	q.Set("Timestamp", at.UTC().Format("2006-01-02T15:04:05Z"))
	all := map[string]string{}
	for k := range q {
		all[k] = q.Get(k)
	}
	for k := range body {
		all[k] = body.Get(k)
	}
	enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, n := range names {
		pairs[i] = enc(n) + "=" + enc(all[n])
	}
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(method + "&" + enc("/") + "&" + enc(strings.Join(pairs, "&"))))
	q.Set("Signature", base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

// signedCall posts action with a form body, signed with secret.
func (e *testEnv) signedCall(t *testing.T, action, secret, nonce string, at time.Time, params map[string]string) reply {
	t.Helper()
	body := url.Values{}
	for k, v := range params {
		body.Set(k, v)
	}
	q := url.Values{"Action": {action}, "Version": {api.Version}, "Format": {"json"}}
	rpcSign(http.MethodPost, q, body, secret, nonce, at)
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/?"+q.Encode(), strings.NewReader(body.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

const msgSignature = "The request signature we calculated does not match the signature you provided. Check your access key and signing method."

func TestHandler_ServeHTTP_AuthOrder(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	throttled := false
	e := signedEnv(t, now, func(account, action string) bool {
		if account != testAcct {
			t.Errorf("Allow(%q, %q): account is not the key's", account, action)
		}
		return !throttled
	})
	tests := []struct {
		name, action, secret string
		at                   time.Time
		throttled            bool
		params               map[string]string
		status               int
		code, message        string
	}{
		{"forged request for a missing flow is SignatureNotMatch, not FlowNotExists", "DescribeFlow", "wrong", now, false,
			map[string]string{"Name": "missing"}, 403, "SignatureNotMatch", msgSignature},
		{"unknown action is answered before authentication", "MakeCoffee", "wrong", now, false,
			nil, 400, "ActionNotSupported", "The requested API operation 'MakeCoffee' is incorrect. Please check."},
		{"authentication before throttling", "DescribeFlow", "wrong", now, true,
			map[string]string{"Name": "missing"}, 403, "SignatureNotMatch", msgSignature},
		{"throttling before parameters", "DescribeFlow", testSecret, now, true,
			nil, 429, "ResourceThrottled", "The request is throttled. Please try again later."},
		{"skewed clock before lookup", "DescribeFlow", testSecret, now.Add(-16 * time.Minute), false,
			map[string]string{"Name": "missing"}, 403, "RequestTimeTooSkewed",
			"The difference between the request time 2024-12-31T23:44:00Z and the current time 2025-01-01T00:00:00Z is too large."},
		{"signed request reaches the lookup", "DescribeFlow", testSecret, now, false,
			map[string]string{"Name": "missing"}, 404, "FlowNotExists", "Flow  missing does not exist."},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			throttled = tc.throttled
			r := e.signedCall(t, tc.action, tc.secret, fmt.Sprintf("nonce-%d", i), tc.at, tc.params)
			wantError(t, r, tc.status, tc.code, tc.message)
		})
	}
}

func TestHandler_ServeHTTP_UnsignedWithKeys(t *testing.T) {
	e := signedEnv(t, time.Now(), nil)
	r := e.call(t, "ListFlows", nil)
	wantError(t, r, 400, "MissingRequiredParams", "The HTTP query 'Signature' must be specified.")
}

// TestHandler_ServeHTTP_SignedParamsAreActedOn checks that the parameters
// the signature covers are exactly the ones the operation uses: a second
// value appended to a signed request is refused rather than acted on, and a
// JSON body is covered by an RPC signature over its decoded values.
func TestHandler_ServeHTTP_SignedParamsAreActedOn(t *testing.T) {
	now := time.Now().UTC()
	e := signedEnv(t, now, nil)
	wantOK(t, e.signedCall(t, "CreateFlow", testSecret, "n1", now, map[string]string{"Name": "orders", "Definition": defOf("orders")}))

	// A captured signed DescribeFlow with a second Name spliced in front.
	q := url.Values{"Action": {"DescribeFlow"}, "Version": {api.Version}, "Name": {"orders"}}
	rpcSign(http.MethodGet, q, nil, testSecret, "n2", now)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/?Name=other&"+q.Encode(), nil)
	wantError(t, do(t, req), 400, "InvalidArgument", `Parameter error. "Name" must be given at most once.`)

	// The same duplication inside a form body.
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/?Action=ListFlows&Version="+api.Version, strings.NewReader("Limit=1&Limit=2"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantError(t, do(t, req), 400, "InvalidArgument", `Parameter error. "Limit" must be given at most once.`)

	// A JSON body signed over its decoded values: accepted as signed,
	// refused once a value is changed.
	jsonBody := `{"FlowName":"orders","ExecutionName":"e1","Input":{"k":1}}`
	signed := url.Values{"FlowName": {"orders"}, "ExecutionName": {"e1"}, "Input": {`{"k":1}`}}
	for _, tc := range []struct {
		name, body, nonce string
		status            int
	}{
		{"as signed", jsonBody, "n3", 200},
		{"tampered", strings.Replace(jsonBody, `"e1"`, `"e2"`, 1), "n4", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"Action": {"StartExecution"}, "Version": {api.Version}}
			rpcSign(http.MethodPost, q, signed, testSecret, tc.nonce, now)
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/?"+q.Encode(), strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			r := do(t, req)
			if r.status != tc.status {
				t.Fatalf("StartExecution(JSON %s) = %d %s, want %d", tc.body, r.status, r.raw, tc.status)
			}
			if tc.status == 200 && (r.str("Name") != "e1" || r.str("Input") != `{"k":1}`) {
				t.Errorf("StartExecution = %s, want execution e1 with the signed Input", r.raw)
			}
		})
	}
}
