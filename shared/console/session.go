package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
)

// CookieName is the session cookie's name.
const CookieName = "cloudflow_console"

// csrfField is the form field carrying the CSRF token.
const csrfField = "csrf"

// Sentinels of session checks.
var (
	// ErrBadCredentials means an access key ID is not configured or the
	// secret does not match it.
	ErrBadCredentials = errors.New("unknown access key id or wrong secret")
	// ErrCSRF means a POST did not carry its session's form token.
	ErrCSRF = errors.New("missing or wrong form token")
)

// session is the content of the session cookie. Account is "" for a
// visitor who has not signed in yet (only when keys are configured).
type session struct {
	Account string `json:"a"`
	KeyID   string `json:"k,omitempty"`
	Expires int64  `json:"e"` // Unix seconds
	Nonce   string `json:"n"` // hex, 16 random bytes
}

// sessions signs and checks session cookies and their form tokens.
type sessions struct {
	keys auth.Keys
	mac  []byte // HMAC key
	ttl  time.Duration
	now  func() time.Time
	rand io.Reader
}

func newSessions(keys auth.Keys, ttl time.Duration, now func() time.Time, r io.Reader) (*sessions, error) {
	s := &sessions{keys: keys, ttl: ttl, now: now, rand: r}
	if keys.Len() == 0 {
		s.mac = make([]byte, 32)
		if _, err := io.ReadFull(r, s.mac); err != nil {
			return nil, fmt.Errorf("session key: %w", err)
		}
		return s, nil
	}
	// Derived from every configured key, so that instances sharing the keys
	// share sessions and a change of keys ends them all.
	h := hmac.New(sha256.New, []byte("cloudflow console session v1"))
	for _, id := range keys.IDs() {
		k, _ := keys.Lookup(id)
		_, _ = fmt.Fprintf(h, "%d:%s%d:%s%d:%s", len(k.ID), k.ID, len(k.Secret), k.Secret, len(k.AccountID), k.AccountID)
	}
	s.mac = h.Sum(nil)
	return s, nil
}

// open reports whether no keys are configured (every visitor is the default
// account).
func (s *sessions) open() bool { return s.keys.Len() == 0 }

// fresh returns a new session for account (and keyID).
func (s *sessions) fresh(account, keyID string) (session, error) {
	n := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, n); err != nil {
		return session{}, fmt.Errorf("session nonce: %w", err)
	}
	return session{Account: account, KeyID: keyID, Expires: s.now().Add(s.ttl).Unix(), Nonce: hex.EncodeToString(n)}, nil
}

func (s *sessions) sign(b []byte) []byte {
	h := hmac.New(sha256.New, s.mac)
	h.Write(b)
	return h.Sum(nil)
}

// encode returns the cookie value: payload and signature, base64url.
func (s *sessions) encode(ss session) string {
	b, _ := json.Marshal(ss) // plain strings and an integer
	enc := base64.RawURLEncoding
	return enc.EncodeToString(b) + "." + enc.EncodeToString(s.sign(b))
}

// decode checks a cookie value: signature, expiry, and that its key still
// exists and names the same account.
func (s *sessions) decode(v string) (session, bool) {
	payload, sig, ok := strings.Cut(v, ".")
	if !ok || len(v) > 1024 {
		return session{}, false
	}
	enc := base64.RawURLEncoding
	b, err1 := enc.DecodeString(payload)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.sign(b)) {
		return session{}, false
	}
	var ss session
	if json.Unmarshal(b, &ss) != nil || ss.Nonce == "" || s.now().Unix() >= ss.Expires {
		return session{}, false
	}
	switch {
	case s.open():
		ss.Account, ss.KeyID = auth.DefaultAccount, ""
	case ss.Account != "":
		k, ok := s.keys.Lookup(ss.KeyID)
		if !ok || k.AccountID != ss.Account {
			return session{}, false
		}
	}
	return ss, true
}

// token is the form token of a session.
func (s *sessions) token(ss session) string {
	return base64.RawURLEncoding.EncodeToString(s.sign([]byte("csrf\x00" + ss.Nonce)))
}

// checkToken compares a submitted form token with the session's.
func (s *sessions) checkToken(ss session, got string) error {
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.token(ss))) != 1 {
		return ErrCSRF
	}
	return nil
}

// login checks an access key pair and returns a signed-in session.
func (s *sessions) login(keyID, secret string) (session, error) {
	k, ok := s.keys.Lookup(strings.TrimSpace(keyID))
	if !ok || subtle.ConstantTimeCompare([]byte(k.Secret), []byte(secret)) != 1 {
		return session{}, ErrBadCredentials
	}
	return s.fresh(k.AccountID, k.ID)
}

// get returns the request's session, starting a new one (and setting its
// cookie) when it has none or an invalid one.
func (s *sessions) get(w http.ResponseWriter, r *http.Request) (session, error) {
	if c, err := r.Cookie(CookieName); err == nil {
		if ss, ok := s.decode(c.Value); ok {
			return ss, nil
		}
	}
	account := ""
	if s.open() {
		account = auth.DefaultAccount
	}
	ss, err := s.fresh(account, "")
	if err != nil {
		return session{}, err
	}
	s.set(w, r, ss)
	return ss, nil
}

// set writes the session cookie.
func (s *sessions) set(w http.ResponseWriter, r *http.Request, ss session) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: s.encode(ss), Path: Prefix,
		Expires: time.Unix(ss.Expires, 0), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil,
	})
}
