package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// FuzzHandler_DecodeSigned feeds arbitrary requests to a handler that
// requires signatures. No request made without the secret may pass
// authentication: every answer is a JSON error from the checks before it
// (size, media type, Action and Version, authentication), never a success,
// a resource lookup or a 5xx.
func FuzzHandler_DecodeSigned(f *testing.F) {
	f.Add("Action=ListFlows&Version=2019-03-15", "", "", "")
	f.Add("Action=ListFlows&Version=2019-03-15&AccessKeyId=LTAI5tApiTest&Signature=x&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=n&Timestamp=2025-01-01T00:00:00Z", "", "", "")
	f.Add("", "ACS3-HMAC-SHA256 Credential=LTAI5tApiTest,SignedHeaders=host;x-acs-action;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=00", "application/json", `{"Name":"f"}`)
	f.Add("Action=DescribeFlow&Version=2019-03-15&Name=f&Name=g", "Bearer t", "application/x-www-form-urlencoded", "BearerToken=t")
	keys, err := auth.ParseKeys(testKeyID + ":" + testSecret + "@" + testAcct)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	v := auth.NewVerifier(keys, func() time.Time { return now }, auth.Options{})
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: interp.New(interp.Options{Tasks: echoTasks{}})})
	f.Cleanup(func() { _ = svc.Close() })
	h := api.NewHandler(svc, api.Options{Authenticate: v.Verify})
	allowed := map[string]bool{
		"EntityTooLarge": true, "UnsupportedMediaType": true, "InvalidArgument": true,
		"MissingRequiredParams": true, "MissingRequiredHeader": true, "ActionNotSupported": true,
		"APIVersionNotSupported": true, "InvalidAccessKeyID": true, "SignatureNotMatch": true,
		"RequestTimeTooSkewed": true,
	}
	f.Fuzz(func(t *testing.T, query, authz, ctype, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(body))
		req.URL.RawQuery = query
		req.Header.Set("x-acs-action", "ListFlows")
		req.Header.Set("x-acs-version", api.Version)
		req.Header.Set("x-acs-date", "2025-01-01T00:00:00Z")
		req.Header.Set("x-acs-signature-nonce", "n")
		req.Header.Set("x-acs-content-sha256", "00")
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("body %q is not a JSON object: %v", rec.Body.String(), err)
		}
		code, _ := out["Code"].(string)
		if !allowed[code] {
			t.Fatalf("status %d code %q for query %q authorization %q body %q: a request without the secret got past authentication", rec.Code, code, query, authz, body)
		}
	})
}
