package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// acs3Algorithm is the Authorization scheme of reference 12.4.
const acs3Algorithm = "ACS3-HMAC-SHA256"

// ACS3 headers the verifier requires, lower case.
const (
	hdrDate          = "x-acs-date"
	hdrNonce         = "x-acs-signature-nonce"
	hdrContentSHA256 = "x-acs-content-sha256"
	hdrSecurityToken = "x-acs-security-token"
)

// mustSign lists headers that must be among SignedHeaders when the request
// carries them, so they cannot be altered or replayed with a fresh value.
var mustSign = [...]string{hdrDate, hdrNonce, "x-acs-action", "x-acs-version", hdrSecurityToken, "host"}

// acs3Auth is a parsed ACS3 Authorization header.
type acs3Auth struct {
	credential    string
	signedHeaders string   // as declared
	signed        []string // signedHeaders split on ';'
	signature     string
}

var errAuthzForm = &InvalidParamError{Name: "Authorization",
	Reason: "must have the form ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>"}

// parseACS3 parses the part of the Authorization header after the scheme.
func parseACS3(s string) (acs3Auth, error) {
	var a acs3Auth
	var seen [3]bool
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return acs3Auth{}, errAuthzForm
		}
		var i int
		switch name {
		case "Credential":
			a.credential, i = val, 0
		case "SignedHeaders":
			a.signedHeaders, i = val, 1
		case "Signature":
			a.signature, i = val, 2
		default:
			return acs3Auth{}, errAuthzForm
		}
		if seen[i] || val == "" {
			return acs3Auth{}, errAuthzForm
		}
		seen[i] = true
	}
	if seen != [3]bool{true, true, true} {
		return acs3Auth{}, errAuthzForm
	}
	a.signed = strings.Split(a.signedHeaders, ";")
	for _, h := range a.signed {
		if h == "" || h != strings.ToLower(h) {
			return acs3Auth{}, &InvalidParamError{Name: "Authorization", Reason: "SignedHeaders must be non-empty lower-case header names separated by ';'"}
		}
	}
	return a, nil
}

// verifyACS3 checks an ACS3-HMAC-SHA256 request; authz is the Authorization
// header without its scheme.
func (v *Verifier) verifyACS3(r *http.Request, body []byte, authz string) (Identity, error) {
	a, err := parseACS3(authz)
	if err != nil {
		return Identity{}, err
	}
	for _, h := range [...]string{hdrDate, hdrNonce, hdrContentSHA256} {
		if strings.TrimSpace(r.Header.Get(h)) == "" {
			return Identity{}, &MissingHeaderError{Name: h}
		}
	}
	reqTime, err := parseTime(hdrDate, strings.TrimSpace(r.Header.Get(hdrDate)))
	if err != nil {
		return Identity{}, err
	}
	nonce := strings.TrimSpace(r.Header.Get(hdrNonce))
	if err := checkNonce(hdrNonce, nonce); err != nil {
		return Identity{}, err
	}
	k, err := v.lookup(a.credential, strings.TrimSpace(r.Header.Get(hdrSecurityToken)))
	if err != nil {
		return Identity{}, err
	}
	for _, h := range mustSign {
		present := r.Header.Get(h) != "" || h == "host"
		if present && !contains(a.signed, h) {
			return Identity{}, fmt.Errorf("header %s is not signed: %w", h, ErrSignatureMismatch)
		}
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if !equal(payload, strings.TrimSpace(r.Header.Get(hdrContentSHA256))) {
		return Identity{}, fmt.Errorf("x-acs-content-sha256 does not match the body: %w", ErrSignatureMismatch)
	}
	sts, err := acs3StringToSign(r, a, payload)
	if err != nil {
		return Identity{}, err
	}
	m := hmac.New(sha256.New, []byte(k.Secret))
	m.Write([]byte(sts))
	if !equal(hex.EncodeToString(m.Sum(nil)), a.signature) {
		return Identity{}, ErrSignatureMismatch
	}
	return v.accept(k, reqTime, nonce)
}

// acs3StringToSign rebuilds "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest)).
func acs3StringToSign(r *http.Request, a acs3Auth, payload string) (string, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", fmt.Errorf("malformed query string: %w", ErrSignatureMismatch)
	}
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	var c strings.Builder
	method := r.Method
	if method == "" {
		method = "GET"
	}
	c.WriteString(method + "\n/\n")
	for i, n := range names {
		if i > 0 {
			c.WriteByte('&')
		}
		c.WriteString(n + "=" + encode(q.Get(n)))
	}
	c.WriteByte('\n')
	for _, h := range a.signed {
		c.WriteString(h + ":")
		if h == "host" {
			c.WriteString(r.Host)
		} else {
			vals := make([]string, 0, 1)
			for _, v := range r.Header.Values(h) {
				vals = append(vals, strings.TrimSpace(v))
			}
			sort.Strings(vals)
			c.WriteString(strings.Join(vals, ","))
		}
		c.WriteByte('\n')
	}
	c.WriteString("\n" + a.signedHeaders + "\n" + payload)
	digest := sha256.Sum256([]byte(c.String()))
	return acs3Algorithm + "\n" + hex.EncodeToString(digest[:]), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
