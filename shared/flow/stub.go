package flow

import "time"

// TODO(flow): replaced by the real model and parser.

// Flow is a parsed, validated and compiled flow definition. It is immutable and
// safe to share between goroutines.
type Flow struct {
	timeout time.Duration
}

// Parse parses and validates a definition (YAML or JSON, new or legacy FDL).
// The error is Issues when the definition is invalid.
func Parse(src []byte, opts ParseOptions) (*Flow, error) {
	return nil, Issues{{Msg: "not implemented"}}
}
