package flow

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Mode is a flow's execution mode.
type Mode string

// Execution modes (reference 9.1). An empty mode means Standard.
const (
	Standard Mode = "Standard"
	Express  Mode = "Express"
)

// ParseOptions gives Parse what the definition is checked against.
type ParseOptions struct {
	Name string // the API name of the flow; a different FDL Name is an issue
	Mode Mode   // the flow's execution mode; "" means Standard
	// KnownAction reports whether a Task Action has an integration; nil accepts
	// every syntactically valid action.
	KnownAction func(action string) bool
	// CheckParameters, when set, checks the literal top-level keys of a
	// Task's Parameters (a trailing ".$" stripped) for the integration
	// serving action in state; a non-nil error is an issue located at the
	// key. It is called once per key; nil accepts every key.
	CheckParameters func(state, action string, keys []string) error
}

// Issue is one problem found in a definition.
type Issue struct {
	Path   string // state path, e.g. "States[2](Charge).Retry[0].Errors"
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Msg    string
}

// String returns "path (line l, column c): msg", leaving out the parts that
// are unknown.
func (i Issue) String() string {
	loc := i.Path
	if i.Line > 0 {
		loc = fmt.Sprintf("%s (line %d, column %d)", loc, i.Line, i.Column)
	}
	if loc == "" {
		return i.Msg
	}
	return loc + ": " + i.Msg
}

// Issues is the error Parse returns: every problem found, in document order.
type Issues []Issue

// Error joins the issues with "; ".
func (is Issues) Error() string {
	parts := make([]string, len(is))
	for i, x := range is {
		parts[i] = x.String()
	}
	return strings.Join(parts, "; ")
}

// Add records one issue located at n (nil when unknown); see AddAt. The
// mock-file and test-file parsers collect their issues with it too.
func (is *Issues) Add(n *yaml.Node, path, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	is.AddAt(path, line, col, format, args...)
}

// AddAt records one issue at line and column (0 when unknown). It keeps at
// most MaxIssues; the last one kept says that further issues were omitted.
func (is *Issues) AddAt(path string, line, col int, format string, args ...any) {
	if len(*is) >= MaxIssues {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if len(*is) == MaxIssues-1 {
		msg += " (further issues omitted)"
	}
	*is = append(*is, Issue{Path: path, Line: line, Column: col, Msg: msg})
}

// JoinPath appends a field name to an issue path ("a" and "b" give "a.b").
func JoinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Timeout returns the flow-level Timeout, or 0 when the flow has none.
func (f *Flow) Timeout() time.Duration { return f.timeout }
