package auth

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// RPC signature constants (reference 12.3).
const (
	rpcMethod  = "HMAC-SHA1"
	rpcVersion = "1.0"
)

// verifyRPC checks an RPC-style HMAC-SHA1 request whose decoded parameters are p.
func (v *Verifier) verifyRPC(method string, p url.Values) (Identity, error) {
	for _, name := range [...]string{"AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		if last(p, name) == "" {
			return Identity{}, &MissingParamError{Name: name}
		}
	}
	if last(p, "SignatureMethod") != rpcMethod {
		return Identity{}, &InvalidParamError{Name: "SignatureMethod", Reason: "must be " + rpcMethod}
	}
	if last(p, "SignatureVersion") != rpcVersion {
		return Identity{}, &InvalidParamError{Name: "SignatureVersion", Reason: "must be " + rpcVersion}
	}
	reqTime, err := parseTime("Timestamp", last(p, "Timestamp"))
	if err != nil {
		return Identity{}, err
	}
	nonce := last(p, "SignatureNonce")
	if err := checkNonce("SignatureNonce", nonce); err != nil {
		return Identity{}, err
	}
	k, err := v.lookup(last(p, "AccessKeyId"), last(p, "SecurityToken"))
	if err != nil {
		return Identity{}, err
	}
	if method == "" {
		method = "GET" // net/http's meaning of an empty client method
	}
	if !equal(rpcSignature(k.Secret, rpcStringToSign(method, p)), last(p, "Signature")) {
		return Identity{}, ErrSignatureMismatch
	}
	return v.accept(k, reqTime, nonce)
}

// rpcStringToSign builds HTTPMethod & E("/") & E(canonical parameters), the
// parameters being every name but Signature, sorted, each with its last value.
func rpcStringToSign(method string, p url.Values) string {
	names := make([]string, 0, len(p))
	for n := range p {
		if n != "Signature" && len(p[n]) > 0 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(encode(n))
		b.WriteByte('=')
		b.WriteString(encode(last(p, n)))
	}
	return method + "&%2F&" + encode(b.String())
}

// rpcSignature is Base64(HMAC-SHA1(secret + "&", stringToSign)).
func rpcSignature(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
