package flowtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// File is a parsed test file.
type File struct {
	Path     string    // the test file
	FlowPath string    // the flow file, resolved against the test file's folder
	Mode     flow.Mode // Standard unless the file says Express
	MockPath string    // the shared mock file, resolved; "" for none
	Cases    []*Case
}

// Case is one test case.
type Case struct {
	Name      string
	Input     any     // a JSON object in the value model; {} when absent
	TimeScale float64 // engine clock scale; 0 skips pauses
	Mocks     *yaml.Node
	Expect    Expect
	Line      int // where the case starts in the test file
}

// Expect is what a case checks.
type Expect struct {
	Status         interp.Status // default Succeeded
	Output         any           // the whole output, when HasOutput
	HasOutput      bool
	OutputIncludes any // a subset of the output, when HasIncludes
	HasIncludes    bool
	Error          string   // the error name, when not ""
	Cause          string   // a substring of the cause, when not ""
	States         []string // entered in this order (a subsequence)
	NotStates      []string // never entered
}

// Issue and Issues locate problems in a test file as in a flow file.
type (
	Issue  = flow.Issue
	Issues = flow.Issues
)

// ParseFile reads and checks the test file at path. The error is the read
// error or the Issues found.
func ParseFile(path string) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read test file: %w", err)
	}
	return Parse(path, src)
}

// Parse checks the test file src read from path (used to resolve the flow
// and mock files). It returns Issues listing every problem.
func Parse(path string, src []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, Issues{{Msg: fmt.Sprintf("not valid YAML or JSON: %v", err)}}
	}
	if len(doc.Content) == 0 {
		return nil, Issues{{Msg: "empty test file; want Flow and Cases"}}
	}
	p := &parser{}
	f := &File{Path: path, Mode: flow.Standard}
	dir := filepath.Dir(path)
	root := doc.Content[0]
	var sawFlow, sawCases bool
	p.mapping("", root, func(key string, k, v *yaml.Node) {
		switch key {
		case "Flow":
			if s, ok := p.str(key, v); ok {
				f.FlowPath, sawFlow = filepath.Join(dir, s), true
			}
		case "Mode":
			if s, ok := p.str(key, v); ok {
				switch flow.Mode(s) {
				case flow.Standard, flow.Express:
					f.Mode = flow.Mode(s)
				default:
					p.add(v, key, "want Standard or Express")
				}
			}
		case "Mock":
			if s, ok := p.str(key, v); ok {
				f.MockPath = filepath.Join(dir, s)
			}
		case "Cases":
			sawCases = true
			f.Cases = p.cases(v)
		default:
			p.add(k, key, "unknown key; want Flow, Mode, Mock or Cases")
		}
	})
	if root.Kind == yaml.MappingNode {
		if !sawFlow {
			p.add(root, "Flow", "missing: the flow file to test")
		}
		if !sawCases {
			p.add(root, "Cases", "missing: the list of cases")
		}
	}
	if len(p.issues) > 0 {
		return nil, p.issues
	}
	return f, nil
}

type parser struct{ issues Issues }

func (p *parser) add(n *yaml.Node, path, format string, args ...any) {
	p.issues.Add(n, path, format, args...)
}

func join(path, key string) string { return flow.JoinPath(path, key) }

func (p *parser) mapping(path string, n *yaml.Node, fn func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "want a map")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			p.add(k, join(path, k.Value), "duplicate key")
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

func (p *parser) str(path string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || n.Value == "" {
		p.add(n, path, "want a non-empty string")
		return "", false
	}
	return n.Value, true
}

func (p *parser) strList(path string, n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		p.add(n, path, "want a list of state names")
		return nil
	}
	var out []string
	for i, e := range n.Content {
		if s, ok := p.str(fmt.Sprintf("%s[%d]", path, i), e); ok {
			out = append(out, s)
		}
	}
	return out
}

// maxValueDepth bounds the nesting of inputs and expected outputs.
const maxValueDepth = 100

// value converts a YAML node to the value model (value.FromYAML), reporting
// its first problem where it is.
func (p *parser) value(path string, n *yaml.Node) (any, bool) {
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

func (p *parser) cases(n *yaml.Node) []*Case {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n, "Cases", "want a non-empty list of cases")
		return nil
	}
	names := map[string]bool{}
	var out []*Case
	for i, cn := range n.Content {
		path := "Cases[" + strconv.Itoa(i) + "]"
		c := &Case{Input: map[string]any{}, Line: cn.Line, Expect: Expect{Status: interp.Succeeded}}
		p.mapping(path, cn, func(key string, k, v *yaml.Node) {
			kp := join(path, key)
			switch key {
			case "Name":
				if s, ok := p.str(kp, v); ok {
					if names[s] {
						p.add(v, kp, "a case named %q already exists", s)
					}
					names[s], c.Name = true, s
				}
			case "Input":
				if x, ok := p.value(kp, v); ok {
					if _, obj := x.(map[string]any); !obj {
						p.add(v, kp, "want a map (the execution input is a JSON object)")
					}
					c.Input = x
				}
			case "TimeScale":
				f, err := strconv.ParseFloat(v.Value, 64)
				if v.Kind != yaml.ScalarNode || err != nil || f < 0 {
					p.add(v, kp, "want a number >= 0 (0 skips pauses, 1 is real time)")
				}
				c.TimeScale = f
			case "Mocks":
				if _, err := action.ParseMockNode(v, kp, nil); err != nil {
					if is, ok := err.(Issues); ok {
						p.issues = append(p.issues, is...)
					} else {
						p.add(v, kp, "%v", err)
					}
				}
				c.Mocks = v
			case "Expect":
				p.expect(kp, v, &c.Expect)
			default:
				p.add(k, kp, "unknown key; want Name, Input, TimeScale, Mocks or Expect")
			}
		})
		if c.Name == "" && cn.Kind == yaml.MappingNode {
			p.add(cn, join(path, "Name"), "missing")
		}
		out = append(out, c)
	}
	return out
}

func (p *parser) expect(path string, n *yaml.Node, e *Expect) {
	p.mapping(path, n, func(key string, k, v *yaml.Node) {
		kp := join(path, key)
		switch key {
		case "Status":
			if s, ok := p.str(kp, v); ok {
				switch st := interp.Status(s); st {
				case interp.Succeeded, interp.Failed, interp.TimedOut, interp.Stopped:
					e.Status = st
				default:
					p.add(v, kp, "want Succeeded, Failed, TimedOut or Stopped")
				}
			}
		case "Output":
			e.Output, e.HasOutput = p.value(kp, v)
		case "OutputIncludes":
			e.OutputIncludes, e.HasIncludes = p.value(kp, v)
		case "Error":
			e.Error, _ = p.str(kp, v)
		case "Cause":
			e.Cause, _ = p.str(kp, v)
		case "States":
			e.States = p.strList(kp, v)
		case "NotStates":
			e.NotStates = p.strList(kp, v)
		default:
			p.add(k, kp, "unknown key; want Status, Output, OutputIncludes, Error, Cause, States or NotStates")
		}
	})
}
