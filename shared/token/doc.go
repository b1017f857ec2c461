// Package token provides task tokens: the opaque strings a
// WaitForCustomCallback task hands out ($Context.Current.TaskToken) and that
// StartExecution accepts as CallbackFnFTaskToken (reference 7.2).
//
// # Format
//
// A token is the URL-safe base64 encoding, without padding, of a small
// binary record:
//
//	version  1 byte, currently 1
//	account  uvarint length + bytes
//	flow     uvarint length + bytes (the flow's Id, not its name)
//	exec     uvarint length + bytes (the execution name)
//	event    uvarint (EventId of the task's TaskScheduled event)
//	nonce    16 bytes (128 random bits)
//
// The fields let the engine find the task without an index; the nonce is
// compared with the one stored for the task, so a token cannot be forged
// from its visible fields. Decode is strict: any other shape (bad base64,
// unknown version, a field longer than its limit, trailing bytes) is
// ErrMalformed.
package token
