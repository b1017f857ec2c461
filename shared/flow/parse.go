package flow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

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
		f := p.legacyFlow(top)
		if len(p.issues) == 0 {
			return f, nil
		}
	case isNew:
		f := p.newFlow(top)
		if len(p.issues) == 0 {
			return f, nil
		}
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
	issues Issues
}

// add records one issue located at n (which may be nil).
func (p *parser) add(path string, n *yaml.Node, format string, args ...any) {
	if len(p.issues) >= MaxIssues {
		return
	}
	is := Issue{Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		is.Line, is.Column = n.Line, n.Column
	}
	if len(p.issues) == MaxIssues-1 {
		is = Issue{Path: is.Path, Line: is.Line, Column: is.Column, Msg: is.Msg + " (further issues omitted)"}
	}
	p.issues = append(p.issues, is)
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
		if hint, ok := fieldHints[f.key]; ok {
			msg += "; " + hint
		}
		p.add(join(path, f.key), f.kn, "%s", msg)
	}
}

// fieldHints explain ASL and older spellings that the new FDL does not accept.
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
}

// newFlow reads a new-FDL top-level mapping.
func (p *parser) newFlow(top *mapping) *Flow {
	f := &Flow{mode: p.mode, name: p.opts.Name}
	top.get("Type")
	if n := top.get("SpecVersion"); n == nil {
		p.add("SpecVersion", top.node, "SpecVersion is required (v1)")
	} else if !scalarIs(n, "v1") {
		p.add("SpecVersion", n, "SpecVersion must be v1")
	}
	if n := top.get("Name"); n != nil {
		if s, ok := p.str("Name", n); ok {
			if p.opts.Name != "" && s != p.opts.Name {
				p.add("Name", n, "Name %q does not match the flow name %q", s, p.opts.Name)
			}
			f.name = s
		}
	}
	if n := top.get("Description"); n != nil {
		f.description, _ = p.str("Description", n)
	}
	if n := top.get("ExecutionMode"); n != nil {
		if s, ok := p.str("ExecutionMode", n); ok && Mode(s) != p.mode {
			p.add("ExecutionMode", n, "ExecutionMode %q does not match the flow's execution mode %q", s, p.mode)
		}
	}
	if n := top.get("Timeout"); n != nil {
		max := int64(maxFlowTimeoutStandard)
		if p.mode == Express {
			max = maxFlowTimeoutExpress
		}
		if v, ok := p.integer("Timeout", n); ok {
			if v < 1 || v > max {
				p.add("Timeout", n, "Timeout must be between 1 and %d seconds in %s flows", max, p.mode)
			} else {
				f.timeout = time.Duration(v) * time.Second
			}
		}
	}
	sc := scopeCtx{mode: p.mode}
	f.root = p.scope("", top, sc)
	p.unknown("", "the flow", top)
	return f
}

// scopeCtx is what a scope's states are validated against.
type scopeCtx struct {
	mode        Mode // Express inside distributed Map processors
	inProcessor bool
	depth       int
}

// target is a transition waiting for name resolution.
type target struct {
	name string
	path string
	node *yaml.Node
	dst  *int
}

// scope reads StartAt and States from m (the top level, a branch or a
// processor) and resolves its transitions.
func (p *parser) scope(path string, m *mapping, sc scopeCtx) *Scope {
	s := &Scope{Start: NoState}
	startNode := m.get("StartAt")
	statesNode := m.get("States")
	if sc.depth > MaxScopeNesting {
		p.add(path, m.node, "Parallel and Map states are nested deeper than %d levels", MaxScopeNesting)
		return s
	}
	var start string
	if startNode == nil {
		p.add(join(path, "StartAt"), m.node, "StartAt is required")
	} else {
		start, _ = p.str(join(path, "StartAt"), startNode)
	}
	if statesNode == nil {
		p.add(join(path, "States"), m.node, "States is required")
		return s
	}
	if statesNode.Kind != yaml.SequenceNode {
		p.add(join(path, "States"), statesNode, "States must be a list")
		return s
	}
	if len(statesNode.Content) == 0 {
		p.add(join(path, "States"), statesNode, "States must not be empty")
		return s
	}
	index := map[string]int{}
	var targets []target
	for i, sn := range statesNode.Content {
		st, ts := p.state(fmt.Sprintf("%sStates[%d]", prefix(path), i), sn, sc)
		if st == nil {
			st = &State{Type: 0, Next: NoState}
		}
		if st.Name != "" {
			if _, dup := index[st.Name]; dup {
				p.add(st.Path+".Name", sn, "duplicate state name %q in this scope", st.Name)
			} else {
				index[st.Name] = i
			}
		}
		s.States = append(s.States, st)
		targets = append(targets, ts...)
	}
	for _, t := range targets {
		i, ok := index[t.name]
		if !ok {
			p.add(t.path, t.node, "state %q does not exist in this scope", t.name)
			continue
		}
		*t.dst = i
	}
	if startNode != nil && start != "" {
		if i, ok := index[start]; ok {
			s.Start = i
		} else {
			p.add(join(path, "StartAt"), startNode, "StartAt state %q does not exist in this scope", start)
		}
	}
	if s.Start != NoState {
		seen := make([]bool, len(s.States))
		p.reach(s, s.Start, seen)
		for i, st := range s.States {
			if !seen[i] && st.Name != "" {
				p.add(st.Path, statesNode.Content[i], "state %q is unreachable", st.Name)
			}
		}
	}
	return s
}

func prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + "."
}

// reach marks every state reachable from i.
func (p *parser) reach(s *Scope, i int, seen []bool) {
	stack := []int{i}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i < 0 || i >= len(seen) || seen[i] {
			continue
		}
		seen[i] = true
		st := s.States[i]
		stack = append(stack, st.Next, st.Default)
		for _, b := range st.Choices {
			stack = append(stack, b.Next)
		}
		for _, c := range st.Catch {
			stack = append(stack, c.Next)
		}
	}
}

// allowed lists, per state type, the fields beyond Name, Type, Description
// and InputConstructor.
var allowed = map[StateType][]string{
	Pass:     {"Next", "End", "OutputConstructor", "GlobalConstructor"},
	Task:     {"Next", "End", "OutputConstructor", "GlobalConstructor", "Retry", "Catch", "Action", "TaskMode", "Parameters", "Timeout", "Timeout.$"},
	Wait:     {"Next", "End", "OutputConstructor", "GlobalConstructor", "Seconds", "Seconds.$"},
	Choice:   {"Branches", "Default"},
	Succeed:  {"End", "OutputConstructor", "GlobalConstructor"},
	Fail:     {"End", "Code", "Detail"},
	Parallel: {"Next", "End", "OutputConstructor", "GlobalConstructor", "Retry", "Catch", "Branches"},
	Map: {"Next", "End", "OutputConstructor", "GlobalConstructor", "Retry", "Catch", "ItemsPath", "Processor",
		"ProcessorConfig", "MaxConcurrency", "MaxConcuccency", "ItemConstructor", "MaxItems"},
}

var stateTypes = map[string]StateType{
	"Pass": Pass, "Task": Task, "Wait": Wait, "Choice": Choice,
	"Succeed": Succeed, "Fail": Fail, "Parallel": Parallel, "Map": Map,
}

// Variable sets per field (reference 4.2).
const (
	varsIn     = eval.VarInput | eval.VarContext | eval.VarGlobal
	varsOut    = varsIn | eval.VarOutput
	varsItem   = varsIn | eval.VarItem
	varsSimple = varsIn
)

// state reads one state and returns it with its unresolved transitions.
func (p *parser) state(path string, n *yaml.Node, sc scopeCtx) (*State, []target) {
	m, ok := p.asMapping(path, n)
	if !ok {
		return nil, nil
	}
	st := &State{Next: NoState, Default: NoState, Path: path}
	if nn := m.get("Name"); nn == nil {
		p.add(path+".Name", n, "Name is required")
	} else if s, ok := p.str(path+".Name", nn); ok {
		st.Name = s
		st.Path = path + "(" + s + ")"
		path = st.Path
	}
	tn := m.get("Type")
	if tn == nil {
		p.add(path+".Type", n, "Type is required")
		return st, nil
	}
	tname, _ := p.str(path+".Type", tn)
	typ, ok := stateTypes[tname]
	if !ok {
		p.add(path+".Type", tn, "unknown state type %q (want Pass, Task, Wait, Choice, Succeed, Fail, Parallel or Map)", tname)
		return st, nil
	}
	st.Type = typ
	if d := m.get("Description"); d != nil {
		p.str(path+".Description", d)
	}
	ok2 := map[string]bool{"Name": true, "Type": true, "Description": true, "InputConstructor": true}
	for _, k := range allowed[typ] {
		ok2[k] = true
	}
	for _, f := range m.fields {
		if ok2[f.key] {
			continue
		}
		msg := fmt.Sprintf("unknown field %q in %s state %q", f.key, typ, st.Name)
		switch {
		case f.key == "OutputConstructor" || f.key == "GlobalConstructor":
			msg = fmt.Sprintf("%s is not allowed in %s state %q", f.key, typ, st.Name)
		case f.key == "Next" && (typ == Succeed || typ == Fail):
			msg = fmt.Sprintf("Next is not allowed in %s state %q", typ, st.Name)
		case (f.key == "Next" || f.key == "End") && typ == Choice:
			msg = fmt.Sprintf("%s is not allowed in Choice state %q; use Branches and Default", f.key, st.Name)
		case f.key == "Retry" || f.key == "Catch":
			msg = fmt.Sprintf("%s is not allowed in %s state %q (only Task, Parallel and Map)", f.key, typ, st.Name)
		case typ == Map && (f.key == "ItemReader" || f.key == "ItemBatcher" || f.key == "ResultWriter" ||
			strings.HasPrefix(f.key, "ToleratedFail")):
			msg = fmt.Sprintf("%s is not supported (Map state %q)", f.key, st.Name)
		default:
			if hint, ok := fieldHints[f.key]; ok {
				msg += "; " + hint
			}
		}
		p.add(join(path, f.key), f.kn, "%s", msg)
	}
	var targets []target
	addTarget := func(fpath string, node *yaml.Node, dst *int) {
		if s, ok := p.str(fpath, node); ok {
			targets = append(targets, target{name: s, path: fpath, node: node, dst: dst})
		}
	}
	get := func(k string) *yaml.Node { return m.lookup(k) }

	// Transitions.
	if typ != Choice {
		next, end := get("Next"), get("End")
		if next != nil && typ != Succeed && typ != Fail {
			addTarget(path+".Next", next, &st.Next)
		}
		if end != nil {
			if b, ok := p.boolean(path+".End", end); ok {
				st.End = b
			}
		}
		switch {
		case typ == Succeed || typ == Fail:
		case next != nil && st.End:
			p.add(path, n, "state %q has both Next and End: true; use exactly one", st.Name)
		case next == nil && !st.End:
			p.add(path, n, "state %q needs Next or End: true", st.Name)
		}
	}

	// Constructors.
	st.Input = p.template(path+".InputConstructor", get("InputConstructor"), varsIn)
	if typ != Choice && typ != Fail {
		st.Output = p.template(path+".OutputConstructor", get("OutputConstructor"), varsOut)
		if g := get("GlobalConstructor"); g != nil {
			if sc.inProcessor {
				p.add(path+".GlobalConstructor", g, "GlobalConstructor is not allowed inside a Map Processor")
			} else {
				st.Global = p.template(path+".GlobalConstructor", g, varsOut)
			}
		}
	}

	switch typ {
	case Task:
		p.task(path, m, st, sc)
	case Wait:
		p.wait(path, m, st, sc)
	case Choice:
		targets = append(targets, p.choice(path, m, st)...)
	case Fail:
		if c := get("Code"); c != nil {
			st.Code, _ = p.str(path+".Code", c)
		}
		if d := get("Detail"); d == nil {
			p.add(path+".Detail", n, "Fail state %q needs a Detail", st.Name)
		} else {
			st.Detail, _ = p.str(path+".Detail", d)
		}
	case Parallel:
		p.parallel(path, m, st, sc)
	case Map:
		p.mapState(path, m, st, sc)
	}
	if typ == Task || typ == Parallel || typ == Map {
		targets = append(targets, p.retryCatch(path, m, st)...)
	}
	return st, targets
}

// template compiles a constructor; nil node means absent.
func (p *parser) template(path string, n *yaml.Node, vars eval.Var) *eval.Template {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.add(path, n, "must be a mapping")
		return nil
	}
	v, err := toValue(n, 0)
	if err != nil {
		p.add(path, n, "%v", err)
		return nil
	}
	t, err := eval.CompileTemplate(v.(map[string]any), eval.Options{Vars: vars, Legacy: false})
	if err != nil {
		var te *eval.TemplateError
		if errors.As(err, &te) {
			p.add(join(path, te.Path), keyNode(n, te.Path), "%s", te.Msg)
		} else {
			p.add(path, n, "%v", err)
		}
		return nil
	}
	return t
}

// keyNode finds the node of a dotted key path inside a constructor, falling
// back to the constructor itself.
func keyNode(n *yaml.Node, keyPath string) *yaml.Node {
	cur := n
	rest := keyPath
	for rest != "" && cur.Kind == yaml.MappingNode {
		found := false
		for i := 0; i+1 < len(cur.Content); i += 2 {
			k := cur.Content[i].Value
			if rest == k || strings.HasPrefix(rest, k+".") {
				if rest == k {
					return cur.Content[i]
				}
				rest = rest[len(k)+1:]
				cur = cur.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return cur
}

// expr compiles one expression field.
func (p *parser) expr(path string, n *yaml.Node, opts eval.Options) *eval.Expr {
	// An expression is YAML text: a number or boolean such as Seconds.$: 5
	// or Condition: true is not one, although its scalar would compile.
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		p.add(path, n, "must be a string (an expression)")
		return nil
	}
	s := n.Value
	x, err := eval.Compile(s, opts)
	if err != nil {
		p.add(path, n, "invalid expression %q: %v", s, err)
		return nil
	}
	return x
}

func (p *parser) task(path string, m *mapping, st *State, sc scopeCtx) {
	st.TaskMode = RequestComplete
	if a := m.lookup("Action"); a == nil {
		p.add(path+".Action", m.node, "Task state %q needs an Action", st.Name)
	} else if s, ok := p.str(path+".Action", a); ok {
		svc, api, found := strings.Cut(s, ":")
		switch {
		case !found || svc == "" || api == "" || strings.ContainsAny(s, " \t") || strings.Count(s, ":") != 1:
			p.add(path+".Action", a, "Action %q must have the form <Service>:<ApiName>", s)
		case p.opts.KnownAction != nil && !p.opts.KnownAction(s):
			p.add(path+".Action", a, "Action %q is not supported", s)
		default:
			st.Action = s
		}
	}
	if tm := m.lookup("TaskMode"); tm != nil {
		if s, ok := p.str(path+".TaskMode", tm); ok {
			switch TaskMode(s) {
			case RequestComplete, WaitForSystemCallback, WaitForCustomCallback:
				st.TaskMode = TaskMode(s)
				if sc.mode == Express && st.TaskMode != RequestComplete {
					p.add(path+".TaskMode", tm, "TaskMode %s is not allowed in Express mode (only RequestComplete)", s)
				}
			default:
				p.add(path+".TaskMode", tm, "TaskMode must be RequestComplete, WaitForSystemCallback or WaitForCustomCallback")
			}
		}
	}
	st.Parameters = p.template(path+".Parameters", m.lookup("Parameters"), varsIn)
	p.checkParameters(path+".Parameters", m.lookup("Parameters"), st)
	lit, ex := m.lookup("Timeout"), m.lookup("Timeout.$")
	switch {
	case lit != nil && ex != nil:
		p.add(path+".Timeout", lit, "use either Timeout or Timeout.$, not both")
	case lit != nil:
		if v, ok := parseTaskTimeout(lit); !ok {
			p.add(path+".Timeout", lit, "Timeout must be a whole number of seconds from 0 to %d (number or numeric string)", maxTaskTimeout)
		} else {
			st.Timeout = time.Duration(v) * time.Second
		}
	case ex != nil:
		st.TimeoutExpr = p.expr(path+".Timeout.$", ex, eval.Options{Vars: varsSimple})
	}
}

// parseTaskTimeout accepts a number or a numeric string in [0, 604800].
func parseTaskTimeout(n *yaml.Node) (int64, bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, false
		}
		v = int64(f)
	}
	return v, v >= 0 && v <= maxTaskTimeout
}

// MaxWaitSeconds returns the Wait.Seconds upper bound of a mode.
func MaxWaitSeconds(m Mode) int {
	if m == Express {
		return maxWaitExpress
	}
	return maxWaitStandard
}

func (p *parser) wait(path string, m *mapping, st *State, sc scopeCtx) {
	st.MaxSeconds = MaxWaitSeconds(sc.mode)
	lit, ex := m.lookup("Seconds"), m.lookup("Seconds.$")
	switch {
	case lit != nil && ex != nil:
		p.add(path+".Seconds", lit, "use either Seconds or Seconds.$, not both")
	case lit != nil:
		if v, ok := p.integer(path+".Seconds", lit); ok {
			if v < 1 || v > int64(st.MaxSeconds) {
				p.add(path+".Seconds", lit, "Seconds must be between 1 and %d in %s mode", st.MaxSeconds, sc.mode)
			} else {
				st.Seconds = int(v)
			}
		}
	case ex != nil:
		st.SecondsExpr = p.expr(path+".Seconds.$", ex, eval.Options{Vars: varsSimple})
	default:
		p.add(path+".Seconds", m.node, "Wait state %q needs Seconds or Seconds.$", st.Name)
	}
}

func (p *parser) choice(path string, m *mapping, st *State) []target {
	var targets []target
	bn := m.lookup("Branches")
	if bn == nil {
		p.add(path+".Branches", m.node, "Choice state %q needs Branches", st.Name)
	} else if bn.Kind != yaml.SequenceNode || len(bn.Content) == 0 {
		p.add(path+".Branches", bn, "Branches must be a non-empty list")
	} else {
		st.Choices = make([]ChoiceBranch, len(bn.Content))
		for i, b := range bn.Content {
			bp := fmt.Sprintf("%s.Branches[%d]", path, i)
			st.Choices[i].Next = NoState
			bm, ok := p.asMapping(bp, b)
			if !ok {
				continue
			}
			if c := bm.get("Condition"); c == nil {
				p.add(bp+".Condition", b, "Condition is required")
			} else {
				st.Choices[i].Condition = p.expr(bp+".Condition", c, eval.Options{Vars: varsSimple, Condition: true})
			}
			if nx := bm.get("Next"); nx == nil {
				p.add(bp+".Next", b, "Next is required")
			} else if s, ok := p.str(bp+".Next", nx); ok {
				targets = append(targets, target{name: s, path: bp + ".Next", node: nx, dst: &st.Choices[i].Next})
			}
			if d := bm.get("Description"); d != nil {
				p.str(bp+".Description", d)
			}
			p.unknown(bp, "a Choice branch", bm)
		}
	}
	if d := m.lookup("Default"); d == nil {
		p.add(path+".Default", m.node, "Choice state %q needs a Default", st.Name)
	} else if s, ok := p.str(path+".Default", d); ok {
		targets = append(targets, target{name: s, path: path + ".Default", node: d, dst: &st.Default})
	}
	return targets
}

func (p *parser) subScope(path string, n *yaml.Node, sc scopeCtx) *Scope {
	m, ok := p.asMapping(path, n)
	if !ok {
		return &Scope{Start: NoState}
	}
	sc.depth++
	s := p.scope(path, m, sc)
	p.unknown(path, "a scope (only StartAt and States)", m)
	return s
}

func (p *parser) parallel(path string, m *mapping, st *State, sc scopeCtx) {
	bn := m.lookup("Branches")
	switch {
	case bn == nil:
		p.add(path+".Branches", m.node, "Parallel state %q needs Branches", st.Name)
		return
	case bn.Kind != yaml.SequenceNode:
		p.add(path+".Branches", bn, "Branches must be a list")
		return
	case len(bn.Content) == 0 || len(bn.Content) > MaxBranches:
		p.add(path+".Branches", bn, "a Parallel state needs 1 to %d branches, got %d", MaxBranches, len(bn.Content))
		return
	}
	for i, b := range bn.Content {
		st.Branches = append(st.Branches, p.subScope(fmt.Sprintf("%s.Branches[%d]", path, i), b, sc))
	}
}

func (p *parser) mapState(path string, m *mapping, st *State, sc scopeCtx) {
	if ip := m.lookup("ItemsPath"); ip == nil {
		p.add(path+".ItemsPath", m.node, "Map state %q needs ItemsPath", st.Name)
	} else {
		st.ItemsPath = p.expr(path+".ItemsPath", ip, eval.Options{Vars: varsSimple})
	}
	if pc := m.lookup("ProcessorConfig"); pc != nil {
		if pm, ok := p.asMapping(path+".ProcessorConfig", pc); ok {
			if em := pm.get("ExecutionMode"); em != nil {
				if s, ok := p.str(path+".ProcessorConfig.ExecutionMode", em); ok {
					if Mode(s) == Express {
						st.Distributed = true
					} else {
						p.add(path+".ProcessorConfig.ExecutionMode", em, "ProcessorConfig.ExecutionMode must be Express (distributed mode)")
					}
				}
			}
			p.unknown(path+".ProcessorConfig", "ProcessorConfig", pm)
		}
	}
	maxConc := MaxInlineMapConcurrency
	if st.Distributed {
		maxConc = MaxDistributedMapConcurrency
	}
	st.MaxConcurrency = maxConc
	mc, mc2 := m.lookup("MaxConcurrency"), m.lookup("MaxConcuccency")
	if mc != nil && mc2 != nil {
		p.add(path+".MaxConcuccency", mc2, "use either MaxConcurrency or MaxConcuccency, not both")
		mc = nil
	} else if mc == nil {
		mc = mc2
	}
	if mc != nil {
		if v, ok := p.integer(path+".MaxConcurrency", mc); ok {
			switch {
			case v < 0 || v > int64(maxConc):
				p.add(path+".MaxConcurrency", mc, "MaxConcurrency must be between 0 and %d in %s mode", maxConc, mapMode(st.Distributed))
			case v > 0:
				st.MaxConcurrency = int(v)
			}
		}
	}
	if mi := m.lookup("MaxItems"); mi != nil {
		if !st.Distributed {
			p.add(path+".MaxItems", mi, "MaxItems is allowed only in distributed mode (ProcessorConfig.ExecutionMode: Express)")
		} else if v, ok := p.integer(path+".MaxItems", mi); ok {
			if v < 1 || v > DefaultDistributedMaxItems {
				p.add(path+".MaxItems", mi, "MaxItems must be between 1 and %d", DefaultDistributedMaxItems)
			} else {
				st.MaxItems = int(v)
			}
		}
	} else if st.Distributed {
		st.MaxItems = DefaultDistributedMaxItems
	}
	st.ItemConstructor = p.template(path+".ItemConstructor", m.lookup("ItemConstructor"), varsItem)
	if pn := m.lookup("Processor"); pn == nil {
		p.add(path+".Processor", m.node, "Map state %q needs a Processor", st.Name)
	} else {
		sub := sc
		sub.inProcessor = true
		if st.Distributed {
			sub.mode = Express
		}
		st.Processor = p.subScope(path+".Processor", pn, sub)
	}
}

func (p *parser) retryCatch(path string, m *mapping, st *State) []target {
	if rn := m.lookup("Retry"); rn != nil {
		if rn.Kind != yaml.SequenceNode {
			p.add(path+".Retry", rn, "Retry must be a list")
		} else {
			for i, r := range rn.Content {
				if rule, ok := p.retry(fmt.Sprintf("%s.Retry[%d]", path, i), r); ok {
					st.Retry = append(st.Retry, rule)
				}
			}
		}
	}
	var targets []target
	cn := m.lookup("Catch")
	if cn == nil {
		return nil
	}
	if cn.Kind != yaml.SequenceNode {
		p.add(path+".Catch", cn, "Catch must be a list")
		return nil
	}
	st.Catch = make([]Catch, len(cn.Content))
	for i, c := range cn.Content {
		cp := fmt.Sprintf("%s.Catch[%d]", path, i)
		rule := &st.Catch[i]
		rule.Next = NoState
		cm, ok := p.asMapping(cp, c)
		if !ok {
			continue
		}
		rule.Errors, rule.matchAll = p.errorList(cp, cm, "Errors")
		if nx := cm.get("Next"); nx == nil {
			p.add(cp+".Next", c, "Next is required in a Catch rule")
		} else if s, ok := p.str(cp+".Next", nx); ok {
			targets = append(targets, target{name: s, path: cp + ".Next", node: nx, dst: &rule.Next})
		}
		rule.Output = p.template(cp+".OutputConstructor", cm.get("OutputConstructor"), varsIn)
		if d := cm.get("Description"); d != nil {
			p.str(cp+".Description", d)
		}
		p.unknown(cp, "a Catch rule", cm)
	}
	return targets
}

// errorList reads the error-name list field (Errors, or errors in legacy
// flows) of a Retry or Catch rule and reports whether it holds ErrorAll.
func (p *parser) errorList(path string, m *mapping, field string) ([]string, bool) {
	en := m.get(field)
	if en == nil {
		p.add(path+"."+field, m.node, "%s is required", field)
		return nil, false
	}
	list, _ := p.strList(path+"."+field, en)
	if en.Kind == yaml.SequenceNode && len(en.Content) == 0 {
		p.add(path+"."+field, en, "%s must not be empty", field)
	}
	return list, contains(list, ErrorAll)
}

// intBetween reads the integer field of m, which must lie in [lo, hi]. It
// returns false, reporting an issue, when the field is not such an integer,
// and false without an issue when the field is absent.
func (p *parser) intBetween(path string, m *mapping, field string, lo, hi int64) (int64, bool) {
	v := m.get(field)
	if v == nil {
		return 0, false
	}
	x, ok := p.integer(path+"."+field, v)
	if !ok {
		return 0, false
	}
	if x < lo || x > hi {
		p.add(path+"."+field, v, "%s must be between %d and %d", field, lo, hi)
		return 0, false
	}
	return x, true
}

// rate reads the number field of m (a backoff multiplier), which must be at
// least 1, like intBetween.
func (p *parser) rate(path string, m *mapping, field string) (float64, bool) {
	v := m.get(field)
	if v == nil {
		return 0, false
	}
	x, ok := p.number(path+"."+field, v)
	if !ok {
		return 0, false
	}
	if x < 1 {
		p.add(path+"."+field, v, "%s must be at least 1", field)
		return 0, false
	}
	return x, true
}

func (p *parser) retry(path string, n *yaml.Node) (Retry, bool) {
	r := Retry{BackoffRate: 1}
	m, ok := p.asMapping(path, n)
	if !ok {
		return r, false
	}
	r.Errors, r.matchAll = p.errorList(path, m, "Errors")
	if m.get("MaxAttempts") == nil {
		p.add(path+".MaxAttempts", n, "MaxAttempts is required")
	} else if x, ok := p.intBetween(path, m, "MaxAttempts", 0, maxRetryAttempts); ok {
		r.MaxAttempts = int(x)
	}
	if m.get("IntervalSeconds") == nil {
		p.add(path+".IntervalSeconds", n, "IntervalSeconds is required")
	} else if x, ok := p.intBetween(path, m, "IntervalSeconds", 0, maxIntervalSeconds); ok {
		r.Interval = time.Duration(x) * time.Second
	}
	if x, ok := p.rate(path, m, "BackoffRate"); ok {
		r.BackoffRate = x
	}
	if x, ok := p.intBetween(path, m, "MaxBackoffSeconds", 1, maxBackoffSeconds); ok {
		r.MaxBackoff, r.HasMaxBackoff = time.Duration(x)*time.Second, true
	}
	if d := m.get("Description"); d != nil {
		p.str(path+".Description", d)
	}
	p.unknown(path, "a Retry rule", m)
	return r, true
}

// maxRetryAttempts bounds MaxAttempts so that a definition cannot ask for an
// unbounded number of retries. The reference gives no maximum; the engine's
// history-event limit would end such a run anyway.
const maxRetryAttempts = 1000

func mapMode(distributed bool) string {
	if distributed {
		return "distributed"
	}
	return "inline"
}

// checkParameters asks ParseOptions.CheckParameters about each literal key
// of a Task's Parameters mapping n, adding an issue at the key it refuses.
func (p *parser) checkParameters(path string, n *yaml.Node, st *State) {
	if p.opts.CheckParameters == nil || n == nil || n.Kind != yaml.MappingNode || st.Action == "" {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		key := strings.TrimSuffix(k.Value, ".$")
		if err := p.opts.CheckParameters(st.Name, st.Action, []string{key}); err != nil {
			p.add(path+"."+k.Value, k, "%v", err)
		}
	}
}
