package auth

import (
	"errors"
	"strconv"
	"time"
)

// Sentinel errors returned (directly or wrapped) by [Verifier.Verify]. Match
// them with errors.Is; the typed errors below unwrap to one of them. The
// CloudFlow code, HTTP status and message of each are listed in the package
// documentation.
var (
	// ErrMissingParam is wrapped by *MissingParamError.
	ErrMissingParam = errors.New("missing required parameter")
	// ErrMissingHeader is wrapped by *MissingHeaderError.
	ErrMissingHeader = errors.New("missing required header")
	// ErrInvalidParam is wrapped by *InvalidParamError.
	ErrInvalidParam = errors.New("invalid parameter")
	// ErrUnknownKey is wrapped by *InvalidKeyError when the access key ID is
	// not configured.
	ErrUnknownKey = errors.New("unknown access key id")
	// ErrSecurityToken is wrapped by *InvalidKeyError when the request carries
	// an STS security token and no token verifier is configured.
	ErrSecurityToken = errors.New("security tokens are not accepted")
	// ErrSignatureMismatch means the signature (or the ACS3 body hash) does not
	// match, the Authorization scheme is not supported (bearer tokens), or a
	// header that must be signed was not.
	ErrSignatureMismatch = errors.New("signature does not match")
	// ErrTimeSkewed is wrapped by *SkewError.
	ErrTimeSkewed = errors.New("request time too skewed")
	// ErrNonceUsed means the signature nonce was already used by the same
	// access key within the time window (a replay).
	ErrNonceUsed = errors.New("signature nonce was used already")
	// ErrNonceCacheFull means the nonce cache holds its maximum number of
	// unexpired nonces, so the request cannot be protected against replay and
	// is refused; the client should retry later.
	ErrNonceCacheFull = errors.New("too many signed requests in the time window")
)

// MissingParamError reports a required signature parameter that is absent
// (for example Signature when keys are configured but the request is
// unsigned, or Timestamp on an RPC request).
type MissingParamError struct {
	Name string // wire name, e.g. "Signature"
}

func (e *MissingParamError) Error() string { return "missing required parameter " + e.Name }

// Unwrap returns ErrMissingParam.
func (e *MissingParamError) Unwrap() error { return ErrMissingParam }

// MissingHeaderError reports a required ACS3 signing header that is absent.
type MissingHeaderError struct {
	Name string // lower-case header name, e.g. "x-acs-date"
}

func (e *MissingHeaderError) Error() string { return "missing required header " + e.Name }

// Unwrap returns ErrMissingHeader.
func (e *MissingHeaderError) Unwrap() error { return ErrMissingHeader }

// InvalidParamError reports a signature parameter or header that is present
// but malformed. The InvalidArgument message is
// "Parameter error. " + Name + " " + Reason + ".".
type InvalidParamError struct {
	Name   string // wire name, e.g. "SignatureMethod"
	Reason string // the rule broken, without a final period, e.g. "must be HMAC-SHA1"
}

func (e *InvalidParamError) Error() string { return "invalid parameter " + e.Name + ": " + e.Reason }

// Unwrap returns ErrInvalidParam.
func (e *InvalidParamError) Unwrap() error { return ErrInvalidParam }

// InvalidKeyError reports an access key ID the verifier does not accept.
type InvalidKeyError struct {
	AccessKeyID string // as given by the request
	Err         error  // ErrUnknownKey, ErrSecurityToken, or the token verifier's error
}

func (e *InvalidKeyError) Error() string {
	return "access key id " + quoteID(e.AccessKeyID) + ": " + e.Err.Error()
}

// Unwrap returns the reason: ErrUnknownKey, ErrSecurityToken or the token
// verifier's error.
func (e *InvalidKeyError) Unwrap() error { return e.Err }

// SkewError reports a request time outside the accepted window.
type SkewError struct {
	RequestTime time.Time // the request's Timestamp or x-acs-date
	ServerTime  time.Time // the verifier's clock when the request was checked
}

func (e *SkewError) Error() string {
	return "request time " + e.RequestTime.UTC().Format(TimeLayout) +
		" too far from server time " + e.ServerTime.UTC().Format(TimeLayout)
}

// Unwrap returns ErrTimeSkewed.
func (e *SkewError) Unwrap() error { return ErrTimeSkewed }

// TimeLayout is the wire form of Timestamp and x-acs-date, also used for both
// times in the RequestTimeTooSkewed message.
const TimeLayout = "2006-01-02T15:04:05Z"

// quoteID quotes an access key ID for an error message, shortening absurdly
// long input so errors stay readable.
func quoteID(id string) string {
	const maxLen = 64
	if len(id) > maxLen {
		id = id[:maxLen] + "…"
	}
	return strconv.Quote(id)
}
