package platform

import "errors"

// Sentinel errors; callers match them with errors.Is.
var (
	// ErrNoEventFunc reports an asynchronous event for a Service without an event function.
	ErrNoEventFunc = errors.New("no event function configured")
	// ErrUnknownEvent reports a sample file whose kind Replay cannot tell.
	ErrUnknownEvent = errors.New("unrecognised event file")
	// ErrBadStatus reports a replayed request answered with a non-2xx HTTP status.
	ErrBadStatus = errors.New("request failed")
)
