package action

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// MaxMockDelay is the largest Delay a mock response may ask for, the largest
// Task Timeout (reference 3.4).
const MaxMockDelay = 604800 * time.Second

// Clock is what the Mock needs from a clock: pausing for a response's Delay.
// interp.Clock satisfies it.
type Clock interface {
	// Sleep pauses for d or until ctx is done, then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// Response is one canned answer of a mock entry.
type Response struct {
	Return any           // the raw task result, in the value model; used when Error is ""
	Error  string        // error name; non-empty means the call fails
	Cause  string        // error detail
	Delay  time.Duration // pause on the clock before answering
}

// Mock is a TaskRunner that answers from a mock file. It is safe for
// concurrent use.
type Mock struct {
	states  map[string][]Response
	actions map[string][]Response
	clock   Clock

	mu    sync.Mutex
	calls map[callKey]int // calls made so far per execution and entry
}

type callKey struct {
	execution string
	entry     string // "s:" + state name or "a:" + action
}

// LoadMockFile reads and parses the mock file at path (see ParseMock). The
// error wraps the read error or the Issues found.
func LoadMockFile(path string, clock Clock) (*Mock, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mock file: %w", err)
	}
	m, err := ParseMock(b, clock)
	if err != nil {
		return nil, fmt.Errorf("mock file %s: %w", path, err)
	}
	return m, nil
}

// ParseMock parses a mock file (YAML or JSON, format in the package doc).
// A nil clock sleeps in real time. It returns Issues listing every problem.
func ParseMock(src []byte, clock Clock) (*Mock, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, Issues{{Msg: fmt.Sprintf("not valid YAML or JSON: %v", err)}}
	}
	p := &mockParser{}
	m := &Mock{states: map[string][]Response{}, actions: map[string][]Response{}, clock: clock, calls: map[callKey]int{}}
	if m.clock == nil {
		m.clock = interp.RealClock{}
	}
	if len(doc.Content) == 0 {
		return nil, Issues{{Msg: "empty mock file; want a map with States and/or Actions"}}
	}
	root := doc.Content[0]
	p.mapping("", root, func(key string, k, v *yaml.Node) {
		switch key {
		case "States":
			p.entries("States", v, m.states, false)
		case "Actions":
			p.entries("Actions", v, m.actions, true)
		default:
			p.add(k, key, "unknown key; want States or Actions")
		}
	})
	if len(p.issues) > 0 {
		return nil, p.issues
	}
	return m, nil
}

// Issue is one problem in a mock file, located like a problem in a flow
// definition: the same type as flow.Issue (Path, 1-based Line and Column,
// Msg), so both read and print alike.
type Issue = flow.Issue

// Issues is the error ParseMock returns: every problem, in document order
// (flow.Issues; its Error joins the issues with "; ").
type Issues = flow.Issues

// maxMockIssues caps the issues reported for one file.
const maxMockIssues = 50

type mockParser struct{ issues Issues }

func (p *mockParser) add(n *yaml.Node, path, format string, args ...any) {
	if len(p.issues) >= maxMockIssues {
		return
	}
	is := Issue{Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		is.Line, is.Column = n.Line, n.Column
	}
	p.issues = append(p.issues, is)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapping calls fn for each key of a mapping node, reporting non-mappings,
// non-string keys and duplicates.
func (p *mockParser) mapping(path string, n *yaml.Node, fn func(key string, k, v *yaml.Node)) {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		p.add(n, path, "anchors and aliases are not supported")
		return
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "want a map, got %s", kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			p.add(k, path, "keys must be strings")
			continue
		}
		if seen[k.Value] {
			p.add(k, join(path, k.Value), "duplicate key")
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

// entries parses States or Actions: name → response or list of responses.
func (p *mockParser) entries(path string, n *yaml.Node, into map[string][]Response, isAction bool) {
	p.mapping(path, n, func(name string, k, v *yaml.Node) {
		ep := join(path, name)
		switch {
		case strings.TrimSpace(name) == "":
			p.add(k, ep, "empty name")
			return
		case isAction && !validAction(name):
			p.add(k, ep, "action %q: want <Service>:<Operation>", name)
			return
		}
		var rs []Response
		switch v.Kind {
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				p.add(v, ep, "empty response list")
				return
			}
			for i, rn := range v.Content {
				if r, ok := p.response(fmt.Sprintf("%s[%d]", ep, i), rn); ok {
					rs = append(rs, r)
				}
			}
		default:
			if r, ok := p.response(ep, v); ok {
				rs = append(rs, r)
			}
		}
		if len(rs) > 0 {
			into[name] = rs
		}
	})
}

func validAction(a string) bool {
	svc, op, ok := strings.Cut(a, ":")
	return ok && svc != "" && op != "" && !strings.ContainsAny(a, " \t\r\n")
}

// response parses one {Return | Error [Cause]} [Delay] map.
func (p *mockParser) response(path string, n *yaml.Node) (Response, bool) {
	var r Response
	before := len(p.issues)
	var hasReturn, hasError, hasCause bool
	errNode := n
	p.mapping(path, n, func(key string, k, v *yaml.Node) {
		kp := join(path, key)
		switch key {
		case "Return":
			hasReturn = true
			if val, ok := p.value(kp, v); ok {
				r.Return = val
			}
		case "Error":
			hasError, errNode = true, k
			if s, ok := p.str(kp, v); ok {
				if strings.TrimSpace(s) == "" {
					p.add(v, kp, "empty error name")
				}
				r.Error = s
			}
		case "Cause":
			hasCause = true
			if s, ok := p.str(kp, v); ok {
				r.Cause = s
			}
		case "Delay":
			r.Delay = p.delay(kp, v)
		default:
			p.add(k, kp, "unknown key; want Return, Error, Cause or Delay")
		}
	})
	switch {
	case n.Kind != yaml.MappingNode:
	case hasReturn && hasError:
		p.add(errNode, path, "Return and Error are exclusive")
	case !hasReturn && !hasError:
		p.add(n, path, "want Return or Error")
	case hasCause && !hasError:
		p.add(n, path, "Cause needs Error")
	}
	return r, len(p.issues) == before
}

func (p *mockParser) str(path string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		p.add(n, path, "want a string, got %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

func (p *mockParser) delay(path string, n *yaml.Node) time.Duration {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		f, err := strconv.ParseFloat(n.Value, 64)
		if err == nil && f >= 0 && f <= MaxMockDelay.Seconds() {
			return time.Duration(f * float64(time.Second))
		}
	}
	p.add(n, path, "want a number of seconds from 0 to %d", int64(MaxMockDelay.Seconds()))
	return 0
}

// maxValueDepth bounds the nesting of a Return value.
const maxValueDepth = 100

// value converts a Return value with value.FromYAML, reporting its first
// problem where it is.
func (p *mockParser) value(path string, n *yaml.Node) (any, bool) {
	v, err := value.FromYAML(n, maxValueDepth)
	if err == nil {
		return v, true
	}
	var ye *value.YAMLError
	if !errors.As(err, &ye) {
		p.add(n, path, "%v", err)
		return nil, false
	}
	at := path
	switch {
	case strings.HasPrefix(ye.Path, "["):
		at += ye.Path
	case ye.Path != "":
		at = join(path, ye.Path)
	}
	p.add(ye.Node, at, "%s", ye.Msg)
	return nil, false
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		return "a " + strings.TrimPrefix(n.Tag, "!!")
	}
	return "nothing"
}

// Match returns the responses that serve a Task state: the States entry
// named state, else the Actions entry named action.
func (m *Mock) Match(state, action string) ([]Response, bool) {
	if rs, ok := m.states[state]; ok {
		return rs, true
	}
	rs, ok := m.actions[action]
	return rs, ok
}

// Known reports whether the mock file has an Actions entry for action.
func (m *Mock) Known(action string) bool {
	_, ok := m.actions[action]
	return ok
}

// ErrNoMock is the cause of the FnF.ActionNotSupported error Invoke returns
// when neither the state nor the action has an entry.
var ErrNoMock = errors.New("no mock entry")

// Invoke answers one Task call: the next response of the entry matching
// call.State or call.Action, counted per call.Execution. After the
// response's Delay (ctx.Err() if ctx ends first) it returns a deep copy of
// Return, or an *interp.Error{Name: Error, Detail: Cause}. Without a
// matching entry it returns an *interp.Error named FnF.ActionNotSupported
// wrapping ErrNoMock.
func (m *Mock) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	key := callKey{execution: call.Execution, entry: "s:" + call.State}
	rs, ok := m.states[call.State]
	if !ok {
		key.entry = "a:" + call.Action
		rs, ok = m.actions[call.Action]
	}
	if !ok {
		return nil, &interp.Error{Name: interp.ErrorActionNotSupported, Detail: fmt.Sprintf("no mock for state %s or action %s", call.State, call.Action), Err: ErrNoMock}
	}
	m.mu.Lock()
	n := m.calls[key]
	m.calls[key] = n + 1
	m.mu.Unlock()
	r := rs[min(n, len(rs)-1)]
	if r.Delay > 0 {
		if err := m.clock.Sleep(ctx, r.Delay); err != nil {
			return nil, err
		}
	}
	if r.Error != "" {
		return nil, &interp.Error{Name: r.Error, Detail: r.Cause}
	}
	return clone(r.Return), nil
}

// Calls returns how many calls the entry serving state/action has answered
// for execution.
func (m *Mock) Calls(execution, state, action string) int {
	key := callKey{execution: execution, entry: "s:" + state}
	if _, ok := m.states[state]; !ok {
		key.entry = "a:" + action
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[key]
}

// Forget drops the call counters of execution; a later call of the same
// execution name starts again from the first response.
func (m *Mock) Forget(execution string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.calls {
		if k.execution == execution {
			delete(m.calls, k)
		}
	}
}

// clone deep-copies a value-model value so callers may not alias the mock's.
func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = clone(e)
		}
		return out
	}
	return v
}
