package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// knownError reports whether err is one Verify documents.
func knownError(err error) bool {
	for _, target := range []error{ErrMissingParam, ErrMissingHeader, ErrInvalidParam, ErrUnknownKey,
		ErrSecurityToken, ErrSignatureMismatch, ErrTimeSkewed, ErrNonceUsed, ErrNonceCacheFull} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// checkFuzzResult runs r through a verifier with the test secret and one with
// another secret: every error must be documented, and a request accepted
// with the right secret must be rejected with the wrong one, so acceptance
// always rests on a genuine signature.
func checkFuzzResult(t *testing.T, mk func() (*http.Request, []byte)) {
	r, body := mk()
	_, err := testVerifier(t, 0, Options{}).Verify(r, body, nil)
	if err != nil {
		if !knownError(err) {
			t.Fatalf("Verify error %T %v is not documented", err, err)
		}
		return
	}
	ks, _ := ParseKeys(testKeyID + ":not-the-secret@" + testAcct)
	wrong := NewVerifier(ks, func() time.Time { return t0 }, Options{})
	r, body = mk()
	if _, err := wrong.Verify(r, body, nil); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("request accepted with the right secret gives %v with a wrong one, want ErrSignatureMismatch", err)
	}
}

func FuzzVerifyRPC(f *testing.F) {
	valid := newRPC()
	valid.method = "POST"
	valid.form = map[string]string{"FlowName": "orders", "Input": `{"a":1}`}
	r, body := valid.build(f)
	f.Add("POST", r.URL.RawQuery, string(body))
	f.Add("POST", r.URL.RawQuery, string(body)+"&x=1")
	f.Add("GET", r.URL.RawQuery, "")
	f.Add("GET", strings.Replace(r.URL.RawQuery, "HMAC-SHA1", "HMAC-SHA256", 1), "")
	f.Add("GET", "Signature=&AccessKeyId=AKtest", "")
	f.Add("GET", "%zz=1&Signature", "a=%")
	f.Fuzz(func(t *testing.T, method, query, body string) {
		if method != "GET" && method != "POST" {
			method = "POST"
		}
		checkFuzzResult(t, func() (*http.Request, []byte) {
			r := httptest.NewRequest(method, "http://fnf.example.com/", strings.NewReader(body))
			r.URL.RawQuery = query
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r, []byte(body)
		})
	})
}

func FuzzVerifyACS3(f *testing.F) {
	a := newACS3()
	a.method, a.body = "POST", "FlowName=orders"
	r, body := a.build(f)
	h := r.Header
	f.Add(r.URL.RawQuery, string(body), h.Get("Authorization"), h.Get("x-acs-date"), h.Get("x-acs-signature-nonce"), h.Get("x-acs-content-sha256"))
	f.Add(r.URL.RawQuery, string(body)+"x", h.Get("Authorization"), h.Get("x-acs-date"), h.Get("x-acs-signature-nonce"), h.Get("x-acs-content-sha256"))
	f.Add("", "", "ACS3-HMAC-SHA256 Credential=AKtest,SignedHeaders=,Signature=", "", "", "")
	f.Add("a=%", "", "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host;;x,Signature=00", "2025-01-01T00:00:00Z", "n", "e3b0")
	f.Fuzz(func(t *testing.T, query, body, authz, date, nonce, hash string) {
		checkFuzzResult(t, func() (*http.Request, []byte) {
			r, _ := newACS3().build(t) // valid headers, then overridden by the fuzzer
			r.Method = "POST"
			r.URL.RawQuery = query
			r.Header.Set("Authorization", authz)
			r.Header.Set("x-acs-date", date)
			r.Header.Set("x-acs-signature-nonce", nonce)
			r.Header.Set("x-acs-content-sha256", hash)
			return r, []byte(body)
		})
	})
}
