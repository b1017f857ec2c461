// Package auth provides request authentication for the CloudFlow API: the
// caller's identity carried in a context, access keys, and (as they land) the
// HMAC-SHA1 RPC and ACS3-HMAC-SHA256 signature verifiers.
package auth
