package dispatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// Event operations.
const (
	// OpRun asks a runner to advance one execution.
	OpRun = "run"
	// OpSweep asks for every execution whose lease expired or whose event
	// was lost to be enqueued again.
	OpSweep = "sweep"
)

// maxRefField bounds each reference field of a run event; account Ids,
// flow Ids (UUIDs) and execution names (at most 128 characters) are far
// shorter.
const maxRefField = 256

// Sentinel errors of the package.
var (
	// ErrInvalidEvent means an event is not JSON, has an unknown op, or is
	// a run event with a missing or oversized reference field.
	ErrInvalidEvent = errors.New("invalid event")
	// ErrNotAccepted means the platform answered an asynchronous invocation
	// with a status other than 202 Accepted.
	ErrNotAccepted = errors.New("asynchronous invocation not accepted")
)

// StatusError is an asynchronous invocation answered with an unexpected
// status. It unwraps to ErrNotAccepted.
type StatusError struct {
	Function string // the function invoked
	Status   int    // the HTTP status received
}

// Error describes the function and the status.
func (e *StatusError) Error() string {
	return fmt.Sprintf("invoke %s asynchronously: status %d, want 202", e.Function, e.Status)
}

// Unwrap returns ErrNotAccepted.
func (e *StatusError) Unwrap() error { return ErrNotAccepted }

// Event is an asynchronous event for a runner function.
type Event struct {
	Op      string `json:"op"`
	Account string `json:"account,omitempty"`
	FlowID  string `json:"flowId,omitempty"`
	Name    string `json:"name,omitempty"`
}

// Ref returns the execution a run event names.
func (e Event) Ref() execution.Ref {
	return execution.Ref{Account: e.Account, FlowID: e.FlowID, Name: e.Name}
}

// RunEvent encodes the run event for ref.
func RunEvent(ref execution.Ref) []byte {
	// A struct of strings always encodes (invalid UTF-8 becomes U+FFFD).
	b, _ := json.Marshal(Event{Op: OpRun, Account: ref.Account, FlowID: ref.FlowID, Name: ref.Name})
	return b
}

// Decode reads an event. It returns an error wrapping ErrInvalidEvent for
// anything but JSON with op "sweep", or op "run" with non-empty account,
// flowId and name of at most 256 bytes each.
func Decode(raw []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrInvalidEvent, err)
	}
	switch ev.Op {
	case OpSweep:
		return Event{Op: OpSweep}, nil
	case OpRun:
		var bad []string
		for _, f := range []struct{ name, v string }{{"account", ev.Account}, {"flowId", ev.FlowID}, {"name", ev.Name}} {
			if f.v == "" || len(f.v) > maxRefField {
				bad = append(bad, f.name)
			}
		}
		if len(bad) > 0 {
			return Event{}, fmt.Errorf("%w: run event needs %s of 1 to %d bytes", ErrInvalidEvent, strings.Join(bad, ", "), maxRefField)
		}
		return ev, nil
	default:
		return Event{}, fmt.Errorf("%w: unknown op %q", ErrInvalidEvent, ev.Op)
	}
}
