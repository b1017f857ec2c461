package auth

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// The signers below are written from the algorithm text of reference 12.3 and
// 12.4, independently of the verifier's own helpers.

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	testKeyID  = "AKtest"
	testSecret = "s3cr3t"
	testAcct   = "acct1"
)

// refE is the encoding E as reference 12.3 gives it for Go.
func refE(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// rpcReq describes an RPC request before signing.
type rpcReq struct {
	method string
	query  map[string]string // protocol parameters are added here
	form   map[string]string // nil means no body
	secret string
}

// newRPC returns a GET with the standard protocol parameters.
func newRPC() *rpcReq {
	return &rpcReq{
		method: "GET",
		secret: testSecret,
		query: map[string]string{
			"Action": "DescribeFlow", "Version": "2019-03-15", "Format": "json",
			"AccessKeyId": testKeyID, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
			"SignatureNonce": "0123456789abcdef0123456789abcdef", "Timestamp": t0.Format(TimeLayout),
			"Name": "orders",
		},
	}
}

// sign computes the Signature per reference 12.3 steps 1-5.
func (q *rpcReq) sign() string {
	params := map[string]string{}
	for k, v := range q.query {
		if k != "Signature" {
			params[k] = v
		}
	}
	for k, v := range q.form { // body wins
		params[k] = v
	}
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	var pairs []string
	for _, n := range names {
		pairs = append(pairs, refE(n)+"="+refE(params[n]))
	}
	sts := q.method + "&" + refE("/") + "&" + refE(strings.Join(pairs, "&"))
	m := hmac.New(sha1.New, []byte(q.secret+"&"))
	m.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// build signs the request and returns it as a server would see it.
func (q *rpcReq) build(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	q.query["Signature"] = q.sign()
	return q.buildUnsigned(t)
}

func (q *rpcReq) buildUnsigned(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	qv := url.Values{}
	for k, v := range q.query {
		qv.Set(k, v)
	}
	var body []byte
	if q.form != nil {
		fv := url.Values{}
		for k, v := range q.form {
			fv.Set(k, v)
		}
		body = []byte(fv.Encode())
	}
	r := httptest.NewRequest(q.method, "http://fnf.example.com/?"+qv.Encode(), strings.NewReader(string(body)))
	if q.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r, body
}

// acs3Req describes an ACS3 request before signing.
type acs3Req struct {
	method   string
	query    map[string]string
	body     string
	headers  map[string]string // lower-case names
	secret   string
	keyID    string
	omitSign []string // headers left out of SignedHeaders
}

func newACS3() *acs3Req {
	return &acs3Req{
		method: "GET",
		query:  map[string]string{"FlowName": "orders", "Name": "a b*c~"},
		secret: testSecret,
		keyID:  testKeyID,
		headers: map[string]string{
			"x-acs-action": "DescribeExecution", "x-acs-version": "2019-03-15",
			"x-acs-date": t0.Format(TimeLayout), "x-acs-signature-nonce": "nonce-acs3-1",
			"x-acs-credentials-provider": "static_ak",
		},
	}
}

// build signs per reference 12.4 and returns the request.
func (a *acs3Req) build(t testing.TB) (*http.Request, []byte) {
	t.Helper()
	const host = "fnf.example.com"
	sum := sha256.Sum256([]byte(a.body))
	if _, ok := a.headers["x-acs-content-sha256"]; !ok {
		a.headers["x-acs-content-sha256"] = hex.EncodeToString(sum[:])
	}
	if a.body != "" {
		a.headers["content-type"] = "application/x-www-form-urlencoded"
	}
	hdrs := map[string]string{"host": host}
	for k, v := range a.headers {
		hdrs[k] = v
	}
	var signed []string
	for k := range hdrs {
		omit := false
		for _, o := range a.omitSign {
			omit = omit || o == k
		}
		if !omit && (k == "host" || k == "content-type" || strings.HasPrefix(k, "x-acs-")) {
			signed = append(signed, k)
		}
	}
	sort.Strings(signed)
	var qnames []string
	for k := range a.query {
		qnames = append(qnames, k)
	}
	sort.Strings(qnames)
	var qpairs []string
	for _, n := range qnames {
		if a.query[n] == "" {
			qpairs = append(qpairs, n+"=")
		} else {
			qpairs = append(qpairs, n+"="+refE(a.query[n]))
		}
	}
	canon := a.method + "\n/\n" + strings.Join(qpairs, "&") + "\n"
	for _, h := range signed {
		canon += h + ":" + strings.TrimSpace(hdrs[h]) + "\n"
	}
	canon += "\n" + strings.Join(signed, ";") + "\n" + hex.EncodeToString(sum[:])
	d := sha256.Sum256([]byte(canon))
	m := hmac.New(sha256.New, []byte(a.secret))
	m.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(d[:])))
	authz := "ACS3-HMAC-SHA256 Credential=" + a.keyID + ",SignedHeaders=" + strings.Join(signed, ";") +
		",Signature=" + hex.EncodeToString(m.Sum(nil))

	qv := url.Values{}
	for k, v := range a.query {
		qv.Set(k, v)
	}
	r := httptest.NewRequest(a.method, "http://"+host+"/?"+qv.Encode(), strings.NewReader(a.body))
	for k, v := range a.headers {
		r.Header.Set(k, v)
	}
	r.Header.Set("Authorization", authz)
	r.Header.Set("User-Agent", "test")
	return r, []byte(a.body)
}

// testVerifier returns a verifier with the test key and a clock at t0+skew.
func testVerifier(t *testing.T, skew time.Duration, opts Options) *Verifier {
	t.Helper()
	ks, err := ParseKeys(testKeyID + ":" + testSecret + "@" + testAcct + ",AKother:othersecret")
	if err != nil {
		t.Fatal(err)
	}
	return NewVerifier(ks, func() time.Time { return t0.Add(skew) }, opts)
}

var wantID = Identity{AccountID: testAcct, AccessKeyID: testKeyID}

func wantMissingParam(name string) func(error) bool {
	return func(err error) bool { var e *MissingParamError; return errors.As(err, &e) && e.Name == name }
}
func wantMissingHeader(name string) func(error) bool {
	return func(err error) bool { var e *MissingHeaderError; return errors.As(err, &e) && e.Name == name }
}
func wantInvalidParam(name string) func(error) bool {
	return func(err error) bool {
		var e *InvalidParamError
		return errors.As(err, &e) && e.Name == name && errors.Is(err, ErrInvalidParam)
	}
}
func wantIs(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

func TestVerifier_Verify_RPC(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(q *rpcReq)    // before signing
		after func(q *rpcReq)    // after signing
		build func(*rpcReq) bool // true: send unsigned
		skew  time.Duration      // server clock minus t0
		opts  Options
		check func(err error) bool // nil: success with want (or wantID)
		want  Identity
	}{
		{name: "GetOK"},
		{name: "PostFormOK", edit: func(q *rpcReq) {
			q.method = "POST"
			q.form = map[string]string{"FlowName": "orders", "Input": `{"k":"v w+x*y~z ü"}`, "ExecutionName": "e1"}
		}},
		{name: "BodyWinsOnClash", edit: func(q *rpcReq) {
			q.method = "POST"
			q.query["Name"] = "from-query"
			q.form = map[string]string{"Name": "from-body"}
		}},
		{name: "EmptyValueOK", edit: func(q *rpcReq) { q.query["NextToken"] = "" }},
		{name: "WindowEdgeOK", skew: 15 * time.Minute},
		{name: "WindowEdgeBehindOK", skew: -15 * time.Minute},
		{name: "Unsigned", build: func(*rpcReq) bool { return true }, check: wantMissingParam("Signature")},
		{name: "NoAccessKeyId", edit: func(q *rpcReq) { delete(q.query, "AccessKeyId") }, check: wantMissingParam("AccessKeyId")},
		{name: "NoTimestamp", edit: func(q *rpcReq) { delete(q.query, "Timestamp") }, check: wantMissingParam("Timestamp")},
		{name: "NoNonce", edit: func(q *rpcReq) { delete(q.query, "SignatureNonce") }, check: wantMissingParam("SignatureNonce")},
		{name: "NoSignatureMethod", edit: func(q *rpcReq) { delete(q.query, "SignatureMethod") }, check: wantMissingParam("SignatureMethod")},
		{name: "SignatureMethodSHA256", edit: func(q *rpcReq) { q.query["SignatureMethod"] = "HMAC-SHA256" }, check: wantInvalidParam("SignatureMethod")},
		{name: "SignatureVersion2", edit: func(q *rpcReq) { q.query["SignatureVersion"] = "2.0" }, check: wantInvalidParam("SignatureVersion")},
		{name: "BadTimestamp", edit: func(q *rpcReq) { q.query["Timestamp"] = "yesterday" }, check: wantInvalidParam("Timestamp")},
		{name: "LongNonce", edit: func(q *rpcReq) { q.query["SignatureNonce"] = strings.Repeat("n", 129) }, check: wantInvalidParam("SignatureNonce")},
		{name: "UnknownKey", edit: func(q *rpcReq) { q.query["AccessKeyId"] = "AKnobody" }, check: func(err error) bool {
			var e *InvalidKeyError
			return errors.As(err, &e) && e.AccessKeyID == "AKnobody" && errors.Is(err, ErrUnknownKey)
		}},
		{name: "SecurityTokenRejected", edit: func(q *rpcReq) { q.query["AccessKeyId"] = "STS.abc"; q.query["SecurityToken"] = "tok" },
			check: func(err error) bool {
				var e *InvalidKeyError
				return errors.As(err, &e) && e.AccessKeyID == "STS.abc" && errors.Is(err, ErrSecurityToken)
			}},
		{name: "SecurityTokenVerified", edit: func(q *rpcReq) {
			q.query["AccessKeyId"] = "STS.abc"
			q.query["SecurityToken"] = "tok"
			q.secret = "sts-secret"
		}, opts: Options{Tokens: func(id, tok string) (Key, error) {
			if id != "STS.abc" || tok != "tok" {
				return Key{}, errors.New("bad token")
			}
			return Key{Secret: "sts-secret", AccountID: "stsacct"}, nil
		}}, want: Identity{AccountID: "stsacct", AccessKeyID: "STS.abc"}},
		{name: "WrongSecret", edit: func(q *rpcReq) { q.secret = "guess" }, check: wantIs(ErrSignatureMismatch)},
		{name: "OtherKeysSecret", edit: func(q *rpcReq) { q.secret = "othersecret" }, check: wantIs(ErrSignatureMismatch)},
		{name: "TamperedQuery", after: func(q *rpcReq) { q.query["Name"] = "other" }, check: wantIs(ErrSignatureMismatch)},
		{name: "AddedParam", after: func(q *rpcReq) { q.query["Extra"] = "1" }, check: wantIs(ErrSignatureMismatch)},
		{name: "TamperedMethod", after: func(q *rpcReq) { q.method = "DELETE" }, check: wantIs(ErrSignatureMismatch)},
		{name: "TamperedBody", edit: func(q *rpcReq) { q.method = "POST"; q.form = map[string]string{"Input": "{}"} },
			after: func(q *rpcReq) { q.form["Input"] = `{"x":1}` }, check: wantIs(ErrSignatureMismatch)},
		{name: "EmptySignature", after: func(q *rpcReq) { q.query["Signature"] = "" }, check: wantIs(ErrSignatureMismatch)},
		{name: "Skewed", skew: 15*time.Minute + time.Second, check: func(err error) bool {
			var e *SkewError
			return errors.As(err, &e) && e.RequestTime.Equal(t0) && e.ServerTime.Equal(t0.Add(15*time.Minute+time.Second)) &&
				errors.Is(err, ErrTimeSkewed)
		}},
		{name: "SkewedBehind", skew: -16 * time.Minute, check: wantIs(ErrTimeSkewed)},
		{name: "BearerToken", build: func(q *rpcReq) bool {
			delete(q.query, "Signature")
			q.query["BearerToken"] = "tok"
			q.query["SignatureType"] = "BEARERTOKEN"
			return true
		}, check: wantIs(ErrSignatureMismatch)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := newRPC()
			if tc.edit != nil {
				tc.edit(q)
			}
			var r *http.Request
			var body []byte
			if tc.build != nil && tc.build(q) {
				r, body = q.buildUnsigned(t)
			} else {
				q.query["Signature"] = q.sign()
				if tc.after != nil {
					tc.after(q)
				}
				r, body = q.buildUnsigned(t)
			}
			id, err := testVerifier(t, tc.skew, tc.opts).Verify(r, body, nil)
			if tc.check != nil {
				if !tc.check(err) {
					t.Fatalf("Verify = %+v, %v; not the expected error", id, err)
				}
				return
			}
			want := wantID
			if tc.want != (Identity{}) {
				want = tc.want
			}
			if err != nil || id != want {
				t.Fatalf("Verify = %+v, %v; want %+v, nil", id, err, want)
			}
		})
	}
}

func TestVerifier_Verify_ExplicitParams(t *testing.T) {
	q := newRPC()
	q.method = "POST"
	q.form = map[string]string{"FlowName": "orders"}
	r, body := q.build(t)
	params := url.Values{}
	for k, v := range q.query {
		params.Set(k, v)
	}
	params.Set("FlowName", "orders")
	v := testVerifier(t, 0, Options{})
	if id, err := v.Verify(r, body, params); err != nil || id != wantID {
		t.Fatalf("Verify(params) = %+v, %v; want %+v, nil", id, err, wantID)
	}
	// Params the API layer took from elsewhere (say a JSON body) are covered.
	params.Set("Input", "{}")
	params.Set("SignatureNonce", "another")
	if _, err := v.Verify(r, body, params); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("Verify(params + Input) = %v, want ErrSignatureMismatch", err)
	}
}

func TestVerifier_Verify_NonJSONBodyNotSigned(t *testing.T) {
	q := newRPC()
	q.method = "POST"
	r, _ := q.build(t)
	body := []byte(`{"FlowName":"x"}`)
	r.Header.Set("Content-Type", "application/json")
	if _, err := testVerifier(t, 0, Options{}).Verify(r, body, nil); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("Verify(unsigned JSON body) = %v, want ErrSignatureMismatch", err)
	}
}

func TestVerifier_Verify_Replay(t *testing.T) {
	v := testVerifier(t, 0, Options{})
	q := newRPC()
	r, body := q.build(t)
	if _, err := v.Verify(r, body, nil); err != nil {
		t.Fatalf("first Verify = %v", err)
	}
	r, body = q.build(t)
	if _, err := v.Verify(r, body, nil); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("replayed Verify = %v, want ErrNonceUsed", err)
	}
	// The same nonce under another key is a different nonce.
	q2 := newRPC()
	q2.query["AccessKeyId"], q2.secret = "AKother", "othersecret"
	r, body = q2.build(t)
	if id, err := v.Verify(r, body, nil); err != nil || id.AccessKeyID != "AKother" {
		t.Fatalf("Verify(other key, same nonce) = %+v, %v; want success", id, err)
	}
	// ACS3 shares the cache: a nonce used over RPC cannot be reused over ACS3.
	a := newACS3()
	a.headers["x-acs-signature-nonce"] = q.query["SignatureNonce"]
	r, body = a.build(t)
	if _, err := v.Verify(r, body, nil); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("ACS3 Verify with an RPC nonce = %v, want ErrNonceUsed", err)
	}
}

func TestVerifier_Verify_RejectedDoesNotBurnNonce(t *testing.T) {
	v := testVerifier(t, 0, Options{})
	bad := newRPC()
	bad.secret = "wrong"
	r, body := bad.build(t)
	if _, err := v.Verify(r, body, nil); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("Verify(wrong secret) = %v, want ErrSignatureMismatch", err)
	}
	r, body = newRPC().build(t)
	if _, err := v.Verify(r, body, nil); err != nil {
		t.Fatalf("Verify(same nonce, right secret) = %v, want nil", err)
	}
}

func TestVerifier_Verify_NonceCacheFull(t *testing.T) {
	v := testVerifier(t, 0, Options{MaxNonces: 2})
	for i, nonce := range []string{"n1", "n2", "n3"} {
		q := newRPC()
		q.query["SignatureNonce"] = nonce
		r, body := q.build(t)
		_, err := v.Verify(r, body, nil)
		if i < 2 && err != nil {
			t.Fatalf("Verify(%s) = %v, want nil", nonce, err)
		}
		if i == 2 && !errors.Is(err, ErrNonceCacheFull) {
			t.Fatalf("Verify(%s) over capacity = %v, want ErrNonceCacheFull", nonce, err)
		}
	}
}

func TestVerifier_Verify_Open(t *testing.T) {
	v := NewVerifier(Keys{}, nil, Options{})
	if !v.Open() {
		t.Fatal("Open() = false with no keys")
	}
	q := newRPC()
	q.secret = "anything"
	for _, r := range []*http.Request{httptest.NewRequest("GET", "/?Action=ListFlows", nil), func() *http.Request { r, _ := q.build(t); return r }()} {
		id, err := v.Verify(r, nil, nil)
		if err != nil || id != (Identity{AccountID: DefaultAccount}) {
			t.Fatalf("open Verify = %+v, %v; want default account", id, err)
		}
	}
	if testVerifier(t, 0, Options{}).Open() {
		t.Fatal("Open() = true with keys")
	}
}

func TestVerifier_Verify_Authorization(t *testing.T) {
	tests := []struct {
		name, authz string
		check       func(error) bool
	}{
		{"Bearer", "Bearer abc", wantIs(ErrSignatureMismatch)},
		{"Basic", "Basic QUI6Q0Q=", wantIs(ErrSignatureMismatch)},
		{"ACS3Empty", "ACS3-HMAC-SHA256", wantInvalidParam("Authorization")},
		{"ACS3NoSignature", "ACS3-HMAC-SHA256 Credential=AKtest,SignedHeaders=host", wantInvalidParam("Authorization")},
		{"ACS3Unknown", "ACS3-HMAC-SHA256 Credential=AKtest,SignedHeaders=host,Signature=ab,Extra=1", wantInvalidParam("Authorization")},
		{"ACS3UpperHeaders", "ACS3-HMAC-SHA256 Credential=AKtest,SignedHeaders=Host,Signature=ab", wantInvalidParam("Authorization")},
		{"ACS3Dup", "ACS3-HMAC-SHA256 Credential=AKtest,Credential=AKtest,SignedHeaders=host,Signature=ab", wantInvalidParam("Authorization")},
		{"ACS3SM3", "ACS3-HMAC-SM3 Credential=AKtest,SignedHeaders=host,Signature=ab", wantIs(ErrSignatureMismatch)},
		{"None", "", wantMissingParam("Signature")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/?Action=ListFlows", nil)
			if tc.authz != "" {
				r.Header.Set("Authorization", tc.authz)
			}
			if _, err := testVerifier(t, 0, Options{}).Verify(r, nil, nil); !tc.check(err) {
				t.Fatalf("Verify(Authorization: %q) = %v; not the expected error", tc.authz, err)
			}
		})
	}
}

func TestVerifier_Verify_ACS3(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(a *acs3Req)
		after func(r *http.Request, body *[]byte)
		skew  time.Duration
		check func(error) bool
	}{
		{name: "GetOK"},
		{name: "PostFormOK", edit: func(a *acs3Req) {
			a.method, a.query = "POST", nil
			a.body = url.Values{"FlowName": {"orders"}, "Input": {`{"k":"v w"}`}}.Encode()
		}},
		{name: "EmptyQueryValueOK", edit: func(a *acs3Req) { a.query["NextToken"] = "" }},
		{name: "SecurityTokenUnsigned", edit: func(a *acs3Req) { a.headers["x-acs-security-token"] = "tok" }, check: wantIs(ErrSecurityToken)},
		{name: "NoDate", edit: func(a *acs3Req) { delete(a.headers, "x-acs-date") }, check: wantMissingHeader("x-acs-date")},
		{name: "NoNonce", edit: func(a *acs3Req) { delete(a.headers, "x-acs-signature-nonce") }, check: wantMissingHeader("x-acs-signature-nonce")},
		{name: "NoContentHash", after: func(r *http.Request, _ *[]byte) { r.Header.Del("x-acs-content-sha256") }, check: wantMissingHeader("x-acs-content-sha256")},
		{name: "BadDate", edit: func(a *acs3Req) { a.headers["x-acs-date"] = "Wed, 01 Jan 2025 00:00:00 GMT" }, check: wantInvalidParam("x-acs-date")},
		{name: "DateNotSigned", edit: func(a *acs3Req) { a.omitSign = []string{"x-acs-date"} }, check: wantIs(ErrSignatureMismatch)},
		{name: "ActionNotSigned", edit: func(a *acs3Req) { a.omitSign = []string{"x-acs-action"} }, check: wantIs(ErrSignatureMismatch)},
		{name: "UnknownKey", edit: func(a *acs3Req) { a.keyID = "AKnobody" }, check: wantIs(ErrUnknownKey)},
		{name: "WrongSecret", edit: func(a *acs3Req) { a.secret = "guess" }, check: wantIs(ErrSignatureMismatch)},
		{name: "WrongHash", edit: func(a *acs3Req) { a.headers["x-acs-content-sha256"] = strings.Repeat("0", 64) }, check: wantIs(ErrSignatureMismatch)},
		{name: "TamperedBody", edit: func(a *acs3Req) { a.method, a.body = "POST", "FlowName=a" },
			after: func(r *http.Request, b *[]byte) { *b = []byte("FlowName=b") }, check: wantIs(ErrSignatureMismatch)},
		{name: "TamperedBodyAndHash", edit: func(a *acs3Req) { a.method, a.body = "POST", "FlowName=a" },
			after: func(r *http.Request, b *[]byte) {
				*b = []byte("FlowName=b")
				sum := sha256.Sum256(*b)
				r.Header.Set("x-acs-content-sha256", hex.EncodeToString(sum[:]))
			}, check: wantIs(ErrSignatureMismatch)},
		{name: "TamperedQuery", after: func(r *http.Request, _ *[]byte) { r.URL.RawQuery += "&Extra=1" }, check: wantIs(ErrSignatureMismatch)},
		{name: "TamperedAction", after: func(r *http.Request, _ *[]byte) { r.Header.Set("x-acs-action", "StopExecution") }, check: wantIs(ErrSignatureMismatch)},
		{name: "TamperedHost", after: func(r *http.Request, _ *[]byte) { r.Host = "evil.example.com" }, check: wantIs(ErrSignatureMismatch)},
		{name: "Skewed", skew: -20 * time.Minute, check: func(err error) bool {
			var e *SkewError
			return errors.As(err, &e) && e.RequestTime.Equal(t0) && e.ServerTime.Equal(t0.Add(-20*time.Minute))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newACS3()
			if tc.edit != nil {
				tc.edit(a)
			}
			r, body := a.build(t)
			if tc.after != nil {
				tc.after(r, &body)
			}
			id, err := testVerifier(t, tc.skew, Options{}).Verify(r, body, nil)
			if tc.check != nil {
				if !tc.check(err) {
					t.Fatalf("Verify = %+v, %v; not the expected error", id, err)
				}
				return
			}
			if err != nil || id != wantID {
				t.Fatalf("Verify = %+v, %v; want %+v, nil", id, err, wantID)
			}
		})
	}
}
