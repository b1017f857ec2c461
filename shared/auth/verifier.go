package auth

import (
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for [Options].
const (
	// DefaultWindow is how far a request's time may be from the server clock
	// (reference 12.3: 15 minutes either way).
	DefaultWindow = 15 * time.Minute
	// DefaultMaxNonces caps the nonces remembered at once. At the default
	// window a nonce is held at most about 30 minutes, typically 15, so this
	// admits roughly 100 signed requests per second per instance, sustained.
	DefaultMaxNonces = 100_000
	// MaxNonceLength bounds a signature nonce (the SDKs send 32 hex
	// characters); longer nonces are InvalidArgument.
	MaxNonceLength = 128
)

// TokenVerifier checks an STS security token presented with a temporary
// access key ID and returns the key (secret and account) to verify the
// signature with. An error rejects the request as *InvalidKeyError wrapping
// the error.
type TokenVerifier func(accessKeyID, securityToken string) (Key, error)

// Options are the optional knobs of a [Verifier]; the zero value gives the
// documented defaults.
type Options struct {
	// Window is the accepted distance between the request time and the
	// server clock, either way. Zero means DefaultWindow.
	Window time.Duration
	// MaxNonces caps the nonce cache. Zero means DefaultMaxNonces.
	MaxNonces int
	// Tokens verifies STS security tokens. Nil (the default) rejects every
	// request carrying SecurityToken or x-acs-security-token with
	// *InvalidKeyError wrapping ErrSecurityToken.
	Tokens TokenVerifier
}

// Verifier authenticates CloudFlow API requests signed with the RPC
// HMAC-SHA1 scheme or ACS3-HMAC-SHA256. It is safe for concurrent use and
// meant to live for the whole process, since it holds the nonce cache.
type Verifier struct {
	keys   Keys
	now    func() time.Time
	window time.Duration
	tokens TokenVerifier
	nonces *nonceCache
}

// NewVerifier returns a verifier for keys using the clock now (time.Now when
// nil). With no keys and no token verifier it is open: see [Verifier.Open].
func NewVerifier(keys Keys, now func() time.Time, opts Options) *Verifier {
	if now == nil {
		now = time.Now
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.MaxNonces <= 0 {
		opts.MaxNonces = DefaultMaxNonces
	}
	return &Verifier{keys: keys, now: now, window: opts.Window, tokens: opts.Tokens,
		nonces: newNonceCache(opts.MaxNonces)}
}

// Open reports whether the verifier accepts every request unsigned, as the
// default account, because no access keys (and no token verifier) are
// configured. Start-up code should warn loudly when it is true.
func (v *Verifier) Open() bool { return v.keys.Len() == 0 && v.tokens == nil }

// Verify authenticates r and returns the caller's identity. body is the raw
// request body exactly as received; params are the decoded query and
// form-body parameters with the body winning on a clash (when a name has
// several values the last one is used, so appending body values after query
// values also works). The RPC signature covers exactly params, so they must
// be the parameters the API layer acts on (including any taken from a JSON
// body). When params is nil Verify collects them itself from r.URL and a
// form-encoded body, and rejects an RPC request whose non-empty body is not a
// form (it would be unsigned).
//
// The scheme is chosen by the request: an "Authorization: ACS3-HMAC-SHA256 …"
// header selects ACS3, otherwise a Signature parameter selects RPC HMAC-SHA1.
// In open mode every request gets the DefaultAccount identity.
//
// Errors (see the package documentation for codes and statuses):
// *MissingParamError, *MissingHeaderError, *InvalidParamError,
// *InvalidKeyError (wrapping ErrUnknownKey or ErrSecurityToken),
// ErrSignatureMismatch (possibly wrapped), *SkewError, ErrNonceUsed and
// ErrNonceCacheFull. A nonce is recorded only when every other check passed.
func (v *Verifier) Verify(r *http.Request, body []byte, params url.Values) (Identity, error) {
	if v.Open() {
		return Identity{AccountID: DefaultAccount}, nil
	}
	authz := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, rest, _ := strings.Cut(authz, " "); strings.EqualFold(scheme, acs3Algorithm) {
		return v.verifyACS3(r, body, rest)
	}
	unsignedBody := false
	if params == nil {
		params, unsignedBody = collectParams(r, body)
	}
	if _, ok := params["Signature"]; ok {
		if unsignedBody {
			return Identity{}, fmt.Errorf("request body is not a form, so the signature does not cover it: %w", ErrSignatureMismatch)
		}
		return v.verifyRPC(r.Method, params)
	}
	if last(params, "BearerToken") != "" || strings.EqualFold(last(params, "SignatureType"), "BEARERTOKEN") ||
		r.Header.Get("x-acs-bearer-token") != "" || strings.HasPrefix(strings.ToLower(authz), "bearer") {
		return Identity{}, fmt.Errorf("bearer tokens are not accepted: %w", ErrSignatureMismatch)
	}
	if authz != "" {
		return Identity{}, fmt.Errorf("unsupported Authorization scheme: %w", ErrSignatureMismatch)
	}
	return Identity{}, &MissingParamError{Name: "Signature"}
}

// lookup finds the key for accessKeyID, consulting the token verifier when a
// security token is present.
func (v *Verifier) lookup(accessKeyID, token string) (Key, error) {
	if token != "" {
		if v.tokens == nil {
			return Key{}, &InvalidKeyError{AccessKeyID: accessKeyID, Err: ErrSecurityToken}
		}
		k, err := v.tokens(accessKeyID, token)
		if err != nil {
			return Key{}, &InvalidKeyError{AccessKeyID: accessKeyID, Err: err}
		}
		if k.Secret == "" {
			return Key{}, &InvalidKeyError{AccessKeyID: accessKeyID, Err: fmt.Errorf("token verifier returned no secret: %w", ErrSecurityToken)}
		}
		if k.ID == "" {
			k.ID = accessKeyID
		}
		if k.AccountID == "" {
			k.AccountID = k.ID
		}
		return k, nil
	}
	k, ok := v.keys.Lookup(accessKeyID)
	if !ok {
		return Key{}, &InvalidKeyError{AccessKeyID: accessKeyID, Err: ErrUnknownKey}
	}
	return k, nil
}

// accept runs the checks shared by both schemes once the signature matched:
// the time window, then the nonce (recorded last, so a rejected request never
// burns a nonce).
func (v *Verifier) accept(k Key, reqTime time.Time, nonce string) (Identity, error) {
	now := v.now()
	if d := now.Sub(reqTime); d > v.window || d < -v.window {
		return Identity{}, &SkewError{RequestTime: reqTime.UTC(), ServerTime: now.UTC()}
	}
	if err := v.nonces.add(k.ID, nonce, now, reqTime.Add(v.window)); err != nil {
		return Identity{}, err
	}
	return Identity{AccountID: k.AccountID, AccessKeyID: k.ID}, nil
}

// parseTime parses a Timestamp or x-acs-date value. The wire form is
// TimeLayout; any RFC 3339 time is accepted.
func parseTime(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &InvalidParamError{Name: name, Reason: "must be a UTC time in the form " + TimeLayout}
	}
	return t, nil
}

// checkNonce validates a nonce's length.
func checkNonce(name, nonce string) error {
	if len(nonce) > MaxNonceLength {
		return &InvalidParamError{Name: name, Reason: fmt.Sprintf("must be at most %d characters", MaxNonceLength)}
	}
	return nil
}

// equal compares two signatures in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// last returns the last value of name in p, or "".
func last(p url.Values, name string) string {
	vs := p[name]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// collectParams returns the decoded query parameters followed by the
// form-body parameters, so the body's value is last on a clash. unsigned
// reports a non-empty body that is not form-encoded, which an RPC signature
// cannot cover.
func collectParams(r *http.Request, body []byte) (p url.Values, unsigned bool) {
	p, _ = url.ParseQuery(r.URL.RawQuery)
	if p == nil {
		p = url.Values{}
	}
	if len(body) == 0 {
		return p, false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return p, true
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return p, true
	}
	for n, vs := range form {
		p[n] = append(p[n], vs...)
	}
	return p, false
}

// encode is the percent-encoding E of reference 12.3: unreserved bytes
// A-Z a-z 0-9 - _ . ~ stay, every other byte becomes %XX (upper-case hex).
func encode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}
