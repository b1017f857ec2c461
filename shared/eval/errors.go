package eval

import (
	"fmt"
	"strings"
)

// SyntaxError is a compile error of one expression: a syntax error, an
// unknown function or variable, a wrong argument count, an operator that is
// not part of the language, or a limit exceeded.
type SyntaxError struct {
	Pos int // byte offset in the source, 0-based
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at offset %d: %s", e.Pos, e.Msg) }

// TemplateError locates a compile error inside a constructor.
type TemplateError struct {
	Path string // key path, e.g. "body.order.$" or "items[0].id.$"
	Msg  string
	// Err is the *SyntaxError of the entry's expression, or nil when the
	// entry itself is malformed (non-string ".$" value, "x" next to "x.$").
	Err error
}

func (e *TemplateError) Error() string { return e.Path + ": " + e.Msg }

// Unwrap returns the expression's *SyntaxError, if any.
func (e *TemplateError) Unwrap() error { return e.Err }

// TemplateErrors is every compile error of one constructor, in key order,
// when there is more than one.
type TemplateErrors []*TemplateError

// Error joins the errors with "; ".
func (es TemplateErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the errors, so that errors.As finds the first
// *TemplateError.
func (es TemplateErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// evalError is a run-time failure. It matches ErrExpression, and a missing
// path matches ErrMissingPath as well.
type evalError struct {
	msg     string
	missing bool
}

func (e *evalError) Error() string { return e.msg }

func (e *evalError) Unwrap() []error {
	if e.missing {
		return []error{ErrMissingPath, ErrExpression}
	}
	return []error{ErrExpression}
}

func errorf(format string, args ...any) error {
	return &evalError{msg: fmt.Sprintf(format, args...)}
}

// withPrefix returns err with its message prefixed, keeping what it matches.
func withPrefix(prefix string, err error) error {
	if e, ok := err.(*evalError); ok {
		return &evalError{msg: prefix + ": " + e.msg, missing: e.missing}
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
