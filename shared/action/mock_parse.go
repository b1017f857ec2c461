package action

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// ParseMock parses a mock file (YAML or JSON, format in the package doc).
// A nil clock sleeps in real time. It returns Issues listing every problem.
func ParseMock(src []byte, clock Clock) (*Mock, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, Issues{{Msg: fmt.Sprintf("not valid YAML or JSON: %v", err)}}
	}
	if len(doc.Content) == 0 {
		return nil, Issues{{Msg: "empty mock file; want a map with States and/or Actions"}}
	}
	return ParseMockNode(doc.Content[0], "", clock)
}

// ParseMockNode parses the mock file content held by n, a node of a larger
// YAML document (a test file's case), naming problems with path as prefix
// and the lines and columns of that document. A nil clock sleeps in real
// time. It returns Issues listing every problem.
func ParseMockNode(n *yaml.Node, path string, clock Clock) (*Mock, error) {
	p := &mockParser{}
	d := &mockData{base: newEntries(), cases: map[string]entries{}}
	m := &Mock{clock: clock, calls: map[callKey]int{}}
	if m.clock == nil {
		m.clock = interp.RealClock{}
	}
	p.mapping(path, n, func(key string, k, v *yaml.Node) {
		switch key {
		case "States", "Actions":
			p.entriesOf(join(path, key), key, v, d.base)
		case "Cases":
			p.mapping(join(path, key), v, func(name string, k, v *yaml.Node) {
				cp := join(join(path, key), name)
				if !validCase(name) {
					p.add(k, cp, "case name %q: want letters, digits and single '-' or '_' (it is the suffix after %q of execution names)", name, CaseSeparator)
					return
				}
				cs := newEntries()
				p.mapping(cp, v, func(key string, k, v *yaml.Node) {
					switch key {
					case "States", "Actions":
						p.entriesOf(join(cp, key), key, v, cs)
					default:
						p.add(k, join(cp, key), "unknown key; want States or Actions")
					}
				})
				d.cases[name] = cs
			})
		default:
			p.add(k, join(path, key), "unknown key; want States, Actions or Cases")
		}
	})
	if len(p.issues) > 0 {
		return nil, p.issues
	}
	m.data.Store(d)
	return m, nil
}

// validCase reports whether name can follow CaseSeparator in an execution
// name and be found again by CaseOf.
func validCase(name string) bool {
	if name == "" || strings.Contains(name, CaseSeparator) || strings.HasPrefix(name, "_") || strings.HasSuffix(name, "_") {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (p *mockParser) entriesOf(path, key string, n *yaml.Node, into entries) {
	if key == "States" {
		p.entries(path, n, into.states, false)
	} else {
		p.entries(path, n, into.actions, true)
	}
}

// Issue is one problem in a mock file, located like a problem in a flow
// definition: the same type as flow.Issue (Path, 1-based Line and Column,
// Msg), so both read and print alike.
type Issue = flow.Issue

// Issues is the error ParseMock returns: every problem, in document order
// (flow.Issues; its Error joins the issues with "; ").
type Issues = flow.Issues

// maxMockIssues caps the issues reported for one file (Issues.Add keeps at
// most flow.MaxIssues).
const maxMockIssues = flow.MaxIssues

type mockParser struct{ issues Issues }

func (p *mockParser) add(n *yaml.Node, path, format string, args ...any) {
	p.issues.Add(n, path, format, args...)
}

func join(path, key string) string { return flow.JoinPath(path, key) }

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
	p.add(ye.Node, ye.Under(path), "%s", ye.Msg)
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
