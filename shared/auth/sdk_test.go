package auth

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
)

// These tests sign with the real Alibaba Cloud SDK (the generic client the
// official fnf SDK wraps, platforms.md section 11) and verify what arrives at
// an httptest server.

const (
	sdkKeyID  = "LTAI5tSdkTestKey"
	sdkSecret = "sdk-test-secret-0123456789"
	sdkAcct   = "1234567890"
)

// captured is one request as the server received it.
type captured struct {
	method, url, host string
	header            http.Header
	body              []byte
	liveErr           error // result of verifying it live in the handler
	liveID            Identity
}

// sdkCapture makes one CallApi against a test server that verifies the
// request with v and records it.
func sdkCapture(t *testing.T, v *Verifier, classic, read bool, params map[string]string) captured {
	t.Helper()
	var (
		mu  sync.Mutex
		got *captured
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id, err := v.Verify(r, body, nil)
		mu.Lock()
		got = &captured{method: r.Method, url: r.URL.String(), host: r.Host, header: r.Header.Clone(), body: body, liveErr: err, liveID: id}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"RequestId":"R","Code":"Rejected","Message":"rejected"}`)
			return
		}
		io.WriteString(w, `{"RequestId":"R"}`)
	}))
	t.Cleanup(srv.Close)

	cfg := &openapi.Config{
		AccessKeyId:     dara.String(sdkKeyID),
		AccessKeySecret: dara.String(sdkSecret),
		Endpoint:        dara.String(strings.TrimPrefix(srv.URL, "http://")),
		Protocol:        dara.String("http"),
		ReadTimeout:     dara.Int(5000),
		ConnectTimeout:  dara.Int(5000),
	}
	if classic {
		cfg.SignatureAlgorithm = dara.String("v2")
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatalf("openapi.NewClient: %v", err)
	}
	method, req := "POST", &openapi.OpenApiRequest{}
	if read {
		method, req.Query = "GET", map[string]*string{}
		for k, v := range params {
			req.Query[k] = dara.String(v)
		}
	} else {
		body := map[string]any{}
		for k, v := range params {
			body[k] = v
		}
		req.Body = body
	}
	_, callErr := c.CallApi(&openapi.Params{
		Action: dara.String("StartExecution"), Version: dara.String("2019-03-15"),
		Protocol: dara.String("HTTPS"), Pathname: dara.String("/"), Method: dara.String(method),
		AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, req, &dara.RuntimeOptions{})
	mu.Lock()
	defer mu.Unlock()
	if got == nil {
		t.Fatalf("CallApi did not reach the server: %v", callErr)
	}
	if got.liveErr == nil && callErr != nil {
		t.Fatalf("CallApi = %v after the server accepted the request", callErr)
	}
	return *got
}

// request rebuilds the captured request as a server would see it, after
// applying mutate to its URL query, headers and body.
func (c captured) request(t *testing.T, mutate func(q url.Values, h http.Header, body *[]byte)) (*http.Request, []byte) {
	t.Helper()
	u, err := url.Parse(c.url)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Clone(c.body)
	h := c.header.Clone()
	if mutate != nil {
		q := u.Query()
		mutate(q, h, &body)
		u.RawQuery = q.Encode()
	}
	r := httptest.NewRequest(c.method, u.String(), bytes.NewReader(body))
	r.Header = h
	r.Host = c.host
	return r, body
}

func TestVerifier_Verify_SDK(t *testing.T) {
	base := time.Now()
	clock := func() time.Time { return base }
	keys := func(t *testing.T, spec string) Keys {
		t.Helper()
		ks, err := ParseKeys(spec)
		if err != nil {
			t.Fatal(err)
		}
		return ks
	}
	good := sdkKeyID + ":" + sdkSecret + "@" + sdkAcct

	setBody := func(name, val string) func(url.Values, http.Header, *[]byte) {
		return func(_ url.Values, h http.Header, body *[]byte) {
			f, _ := url.ParseQuery(string(*body))
			f.Set(name, val)
			*body = []byte(f.Encode())
		}
	}
	setQuery := func(name, val string) func(url.Values, http.Header, *[]byte) {
		return func(q url.Values, _ http.Header, _ *[]byte) { q.Set(name, val) }
	}

	for _, scheme := range []struct {
		name    string
		classic bool
	}{{"RPC", true}, {"ACS3", false}} {
		for _, shape := range []struct {
			name   string
			read   bool
			params map[string]string
			tamper func(url.Values, http.Header, *[]byte) // changes an operation parameter
		}{
			{"GET", true, map[string]string{"FlowName": "orders", "ExecutionName": "exec 1*~", "Input": `{"a":"b c+d"}`}, setQuery("FlowName", "other")},
			{"POST", false, map[string]string{"FlowName": "orders", "ExecutionName": "exec1", "Input": `{"key":"välue & more=1"}`}, setBody("FlowName", "other")},
		} {
			t.Run(scheme.name+"_"+shape.name, func(t *testing.T) {
				v := NewVerifier(keys(t, good), clock, Options{})
				c := sdkCapture(t, v, scheme.classic, shape.read, shape.params)
				if c.liveErr != nil {
					t.Fatalf("live Verify = %v, want nil", c.liveErr)
				}
				want := Identity{AccountID: sdkAcct, AccessKeyID: sdkKeyID}
				if c.liveID != want {
					t.Fatalf("live Verify identity = %+v, want %+v", c.liveID, want)
				}
				// Check the SDK used the scheme we meant to test.
				isACS3 := strings.HasPrefix(c.header.Get("Authorization"), "ACS3-HMAC-SHA256 ")
				if isACS3 == scheme.classic {
					t.Fatalf("Authorization = %q, classic = %v", c.header.Get("Authorization"), scheme.classic)
				}

				// Replaying the identical request is refused.
				r, body := c.request(t, nil)
				if _, err := v.Verify(r, body, nil); !errors.Is(err, ErrNonceUsed) {
					t.Errorf("Verify(replay) = %v, want ErrNonceUsed", err)
				}

				tampers := []struct {
					name   string
					keys   string
					clock  time.Duration
					mutate func(url.Values, http.Header, *[]byte)
					check  func(error) bool
				}{
					{"Unchanged", good, 0, nil, func(err error) bool { return err == nil }},
					{"TamperParam", good, 0, shape.tamper, isMismatch},
					{"TamperBody", good, 0, func(_ url.Values, h http.Header, b *[]byte) {
						*b = append(*b, []byte("&Extra=1")...)
						if !shape.read {
							h.Set("Content-Type", "application/x-www-form-urlencoded")
						}
					}, isMismatch},
					{"WrongSecret", sdkKeyID + ":not-the-secret", 0, nil, isMismatch},
					{"UnknownKey", "LTAIsomeoneElse:" + sdkSecret, 0, nil, func(err error) bool {
						var ke *InvalidKeyError
						return errors.As(err, &ke) && ke.AccessKeyID == sdkKeyID && errors.Is(err, ErrUnknownKey)
					}},
					{"ClockAhead16m", good, 16 * time.Minute, nil, func(err error) bool {
						var se *SkewError
						return errors.As(err, &se) && se.ServerTime.Equal(base.Add(16*time.Minute).UTC())
					}},
					{"ClockBehind16m", good, -16 * time.Minute, nil, isSkew},
					{"ClockAhead14m", good, 14 * time.Minute, nil, func(err error) bool { return err == nil }},
				}
				for _, tc := range tampers {
					t.Run(tc.name, func(t *testing.T) {
						fresh := NewVerifier(keys(t, tc.keys), func() time.Time { return base.Add(tc.clock) }, Options{})
						r, body := c.request(t, tc.mutate)
						id, err := fresh.Verify(r, body, nil)
						if !tc.check(err) {
							t.Fatalf("Verify = %+v, %v; unexpected error", id, err)
						}
						if err == nil && id != want {
							t.Fatalf("Verify identity = %+v, want %+v", id, want)
						}
					})
				}
			})
		}
	}
}

// TestVerifier_Verify_SDKRejected checks a rejection travels back to the SDK.
func TestVerifier_Verify_SDKRejected(t *testing.T) {
	ks, err := ParseKeys(sdkKeyID + ":other-secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, classic := range []bool{true, false} {
		v := NewVerifier(ks, nil, Options{})
		c := sdkCapture(t, v, classic, false, map[string]string{"FlowName": "orders"})
		if !errors.Is(c.liveErr, ErrSignatureMismatch) {
			t.Errorf("classic=%v: live Verify = %v, want ErrSignatureMismatch", classic, c.liveErr)
		}
	}
}

func isMismatch(err error) bool { return errors.Is(err, ErrSignatureMismatch) }
func isSkew(err error) bool     { var se *SkewError; return errors.As(err, &se) }
