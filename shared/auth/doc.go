// Package auth provides request authentication for the CloudFlow API: the
// caller's identity carried in a context, access keys, and the verifier for
// the two signature schemes the SDKs use, the RPC HMAC-SHA1 signature
// (reference 12.3) and ACS3-HMAC-SHA256 (reference 12.4).
//
// # Configuration
//
// Access keys come from configuration in the form
// CLOUDFLOW_ACCESS_KEYS=id:secret[@account][,…] ([ParseKeys]); the account
// defaults to the key ID. The package never reads the environment: main reads
// the variable (or a platform secret store) and passes the Keys to
// [NewVerifier]. With no keys the verifier is open ([Verifier.Open]): every
// request acts as [DefaultAccount], and start-up should say so loudly.
//
// # Plugging into the API layer
//
// [Verifier.Verify] has the shape of the API layer's Authenticate hook:
//
//	Authenticate: verifier.Verify // func(*http.Request, []byte, url.Values) (auth.Identity, error)
//
// It runs after the Action and Version checks and before throttling
// (reference 11.3, order of checks). Its errors map to CloudFlow errors as
// follows (reference 11.2 and 12.5); match with errors.Is / errors.As:
//
//	error                                   HTTP  Code                   Message
//	*MissingParamError (ErrMissingParam)     400  MissingRequiredParams  The HTTP query '<Name>' must be specified.
//	*MissingHeaderError (ErrMissingHeader)   400  MissingRequiredHeader  The HTTP header '<Name>' must be specified.
//	*InvalidParamError (ErrInvalidParam)     400  InvalidArgument        Parameter error. <Name> <Reason>.
//	*InvalidKeyError (ErrUnknownKey,         403  InvalidAccessKeyID     The AccessKey ID <AccessKeyID> is invalid.
//	                  ErrSecurityToken, …)
//	ErrSignatureMismatch (maybe wrapped)     403  SignatureNotMatch      The request signature we calculated does not match the signature you provided. Check your access key and signing method.
//	*SkewError (ErrTimeSkewed)               403  RequestTimeTooSkewed   The difference between the request time <RequestTime> and the current time <ServerTime> is too large.
//	ErrNonceUsed                             403  SignatureNonceUsed     Specified signature nonce was used already.
//	ErrNonceCacheFull                        429  ResourceThrottled      The request is throttled. Please try again later.
//
// Both SkewError times are formatted with [TimeLayout] (2006-01-02T15:04:05Z)
// in UTC. For InvalidArgument the same sentence (without "Parameter error. ")
// also goes into Description. Any other error would be a bug and maps to 500
// InternalServerError; Verify returns none.
//
// # What is rejected
//
// With keys configured: a request with neither an ACS3 Authorization header
// nor a Signature parameter gets MissingRequiredParams naming Signature;
// bearer tokens (BearerToken / SignatureType=BEARERTOKEN /
// x-acs-bearer-token / Authorization: Bearer) and unknown Authorization
// schemes get SignatureNotMatch; a missing AccessKeyId, SignatureMethod,
// SignatureVersion, SignatureNonce or Timestamp on an RPC request gets
// MissingRequiredParams naming it; SignatureMethod other than HMAC-SHA1 or
// SignatureVersion other than 1.0 gets InvalidArgument; an ACS3 request
// without x-acs-date, x-acs-signature-nonce or x-acs-content-sha256 gets
// MissingRequiredHeader; an ACS3 request whose declared SignedHeaders leave
// out host, x-acs-date, x-acs-signature-nonce, or x-acs-action,
// x-acs-version or x-acs-security-token when present, or whose
// x-acs-content-sha256 is not the body's hash, gets SignatureNotMatch. STS
// requests (SecurityToken or x-acs-security-token) get InvalidAccessKeyID
// unless Options.Tokens is set.
//
// Checks run in this order, the first failure answering: scheme and required
// parameters or headers, their format, access key, signature, time window,
// nonce. So a forged request never learns the server time, and a rejected
// request never uses up its nonce.
//
// # Replay protection
//
// Each accepted (access key, nonce) pair is remembered until the request time
// plus the window, when the request could no longer pass the time check. The
// cache evicts expired entries on every insert and holds at most
// Options.MaxNonces (default [DefaultMaxNonces]); when full of live entries
// it refuses new requests with ErrNonceCacheFull rather than forgetting a live
// nonce, which would reopen it to replay. A multi-instance deployment keeps
// one cache per instance, so a replay routed to another instance within the
// window is not detected.
package auth
