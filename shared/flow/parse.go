package flow

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// Limits on definitions.
const (
	MaxDefinitionSize            = 1 << 20 // bytes of source Parse accepts
	MaxDepth                     = 64      // YAML nesting depth Parse accepts
	MaxIssues                    = 50      // issues reported at most; the last one says more were omitted
	MaxBranches                  = 50      // Parallel branches
	MaxInlineMapConcurrency      = 40
	MaxDistributedMapConcurrency = 100
	DefaultDistributedMaxItems   = 10000
	MaxScopeNesting              = 16 // Parallel/Map scopes nested in each other

	maxFlowTimeoutStandard = 31536000 // seconds, one year
	maxFlowTimeoutExpress  = 300
	maxWaitStandard        = 300
	maxWaitExpress         = 20
	maxTaskTimeout         = 604800
	maxIntervalSeconds     = 86400
	maxBackoffSeconds      = 86400
)

// Parse parses and validates a definition (YAML or JSON, new or legacy FDL).
// The error is Issues when the definition is invalid: every problem found (at
// most MaxIssues), ordered by position.
func Parse(src []byte, opts ParseOptions) (*Flow, error) {
	mode := opts.Mode
	if mode == "" {
		mode = Standard
	}
	p := &parser{opts: opts, mode: mode}
	if mode != Standard && mode != Express {
		return nil, Issues{{Msg: fmt.Sprintf("unknown execution mode %q", opts.Mode)}}
	}
	if len(src) > MaxDefinitionSize {
		return nil, Issues{{Msg: fmt.Sprintf("definition is larger than %d bytes", MaxDefinitionSize)}}
	}
	if d := nesting(src); d > MaxDepth {
		return nil, Issues{{Msg: fmt.Sprintf("definition is nested deeper than %d levels", MaxDepth)}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, Issues{{Msg: "definition is empty"}}
		}
		return nil, Issues{{Msg: "invalid YAML or JSON: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, Issues{{Msg: "definition must hold exactly one YAML document"}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if hasAlias(root, 0) {
		return nil, Issues{{Line: root.Line, Column: root.Column, Msg: "YAML anchors and aliases are not supported"}}
	}
	top, ok := p.asMapping("", root)
	if !ok {
		return nil, p.issues.sorted()
	}
	isNew := scalarIs(top.lookup("Type"), "StateMachine")
	isLegacy := scalarIs(top.lookup("type"), "flow") && top.lookup("version") != nil
	switch {
	case isNew && isLegacy:
		p.add("", root, "definition mixes the new FDL header (Type: StateMachine) and the legacy header (type: flow)")
	case isLegacy:
		p.legacy = true
		f := p.legacyFlow(top)
		if len(p.issues) == 0 {
			return f, nil
		}
	case isNew:
		f := p.newFlow(top)
		if len(p.issues) == 0 {
			return f, nil
		}
	case aslHint(top) != "":
		p.add("", root, "unknown definition format: %s", aslHint(top))
	default:
		p.add("", root, "unknown definition format: expected Type: StateMachine (or the legacy type: flow with version)")
	}
	return nil, p.issues.sorted()
}

// nesting returns the bracket/indentation-independent nesting bound of src:
// the maximum depth of [ and { ignoring strings, plus the indentation levels
// are checked later by toValue. It guards the YAML decoder against inputs
// built only to exhaust the stack.
func nesting(src []byte) int {
	depth, max := 0, 0
	inStr := byte(0)
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inStr != 0 {
			if c == '\\' && inStr == '"' {
				i++
			} else if c == inStr {
				inStr = 0
			}
			continue
		}
		switch c {
		case '"':
			inStr = c
		case '[', '{':
			depth++
			if depth > max {
				max = depth
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return max
}

func hasAlias(n *yaml.Node, depth int) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	if depth > MaxDepth*4 {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

func (m *mapping) lookup(key string) *yaml.Node {
	for i := range m.fields {
		if m.fields[i].key == key {
			return m.fields[i].val
		}
	}
	return nil
}

func scalarIs(n *yaml.Node, s string) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Value == s
}

// parser collects issues while it walks a definition.
type parser struct {
	opts   ParseOptions
	mode   Mode
	legacy bool // the definition is legacy FDL
	issues Issues
}

// add records one issue located at n (which may be nil).
func (p *parser) add(path string, n *yaml.Node, format string, args ...any) {
	p.issues.Add(n, path, format, args...)
}

// addAt records one issue located at line and column (0 when unknown).
func (p *parser) addAt(path string, line, col int, format string, args ...any) {
	p.issues.AddAt(path, line, col, format, args...)
}

func (is Issues) sorted() Issues {
	sort.SliceStable(is, func(i, j int) bool {
		if is[i].Line != is[j].Line {
			return is[i].Line < is[j].Line
		}
		return is[i].Column < is[j].Column
	})
	return is
}

// unknown reports every field of m that no one read.
func (p *parser) unknown(path, what string, m *mapping) {
	for _, f := range m.fields {
		if f.used {
			continue
		}
		msg := fmt.Sprintf("unknown field %q in %s", f.key, what)
		if hint, ok := fieldHints[f.key]; ok && !p.legacy {
			msg += "; " + hint
		} else {
			msg += p.didYouMean(f.key)
		}
		p.add(join(path, f.key), f.kn, "%s", msg)
	}
}

// didYouMean returns "; did you mean X?" for the field name of the
// definition's format nearest to key, or "".
func (p *parser) didYouMean(key string, preferred ...string) string {
	c := eval.Closest(key, preferred)
	if c == "" {
		vocab := newFields
		if p.legacy {
			vocab = legacyFields
		}
		c = eval.Closest(key, vocab)
	}
	if c == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %s?", c)
}

// valueHint returns "; did you mean X?" for the allowed value nearest to v,
// or "".
func valueHint(v string, allowed ...string) string {
	if c := eval.Closest(v, allowed); c != "" {
		return fmt.Sprintf("; did you mean %s?", c)
	}
	return ""
}

// nameHint returns "; did you mean X?" for the state (or step) name of
// index nearest to name, or "".
func nameHint(name string, index map[string]int) string {
	names := make([]string, 0, len(index))
	for n := range index {
		names = append(names, n)
	}
	if c := eval.Closest(name, names); c != "" {
		return fmt.Sprintf("; did you mean %q?", c)
	}
	return ""
}

// The field names of each format, for "did you mean" hints.
var (
	newFields = []string{
		"Type", "SpecVersion", "Name", "StartAt", "States", "Description", "Timeout", "Timeout.$", "ExecutionMode",
		"Next", "End", "InputConstructor", "OutputConstructor", "GlobalConstructor", "Retry", "Catch",
		"Action", "TaskMode", "Parameters", "Seconds", "Seconds.$", "Branches", "Default", "Condition",
		"Code", "Detail", "ItemsPath", "Processor", "ProcessorConfig", "MaxConcurrency", "ItemConstructor",
		"MaxItems", "Errors", "MaxAttempts", "IntervalSeconds", "BackoffRate", "MaxBackoffSeconds",
	}
	legacyFields = []string{
		"version", "type", "name", "steps", "inputMappings", "outputMappings", "errorMappings", "end",
		"resourceArn", "action", "serviceParams", "pattern", "timeoutSeconds", "retry", "catch", "choices",
		"default", "condition", "goto", "branches", "iterationMapping", "collection", "item", "index",
		"duration", "timestamp", "error", "cause", "errors", "intervalSeconds", "maxIntervalSeconds",
		"maxAttempts", "multiplier", "target", "source",
	}
)

// aslHint says how an AWS States Language definition differs, when top
// looks like one (StartAt with States as a map); otherwise "".
func aslHint(top *mapping) string {
	st := top.lookup("States")
	if top.lookup("StartAt") == nil || st == nil || st.Kind != yaml.MappingNode {
		return ""
	}
	return "this looks like AWS States Language (Amazon States Language); a CloudFlow flow starts with " +
		"Type: StateMachine and SpecVersion: v1, lists States as a sequence of states that each have a Name, " +
		"and uses InputConstructor/OutputConstructor instead of InputPath, Parameters, ResultPath and OutputPath"
}

// fieldHints explain ASL and older spellings that the new FDL does not accept
// (legacy flows get a "did you mean" only).
var fieldHints = map[string]string{
	"OnErrors":    "OnErrors is not supported, use Retry and Catch",
	"ErrorEquals": "the error list field is Errors",
	"Comment":     "use Description",
	"ResultPath":  "there is no ResultPath, use OutputConstructor",
	"InputPath":   "there is no InputPath, use InputConstructor",
	"OutputPath":  "there is no OutputPath, use OutputConstructor",
	"Result":      "there is no Result, use OutputConstructor",
	"Parameters":  "Parameters is a Task field, use InputConstructor",
	"Timestamp":   "Wait supports only Seconds",
	// More AWS States Language spellings.
	"Resource":       "a Task names its integration in Action (e.g. FC:InvokeFunction) and its arguments in Parameters",
	"Choices":        "a Choice lists its branches in Branches, each with a Condition and Next",
	"Iterator":       "a Map runs its Processor",
	"ItemProcessor":  "a Map runs its Processor",
	"ResultSelector": "there is no ResultSelector, use OutputConstructor",
	"SecondsPath":    "use Seconds.$",
	"TimeoutSeconds": "use Timeout",
	"Cause":          "a Fail state has Code and Detail",
	"Error":          "a Fail state has Code and Detail",
}
