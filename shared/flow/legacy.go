package flow

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// The legacy compiler (reference 8): `version: v1`, `type: flow`, `steps`.
// Every step becomes a State of the scope of its `steps` list; `goto` and
// the sequential order become indexes; inline choice steps, parallel branches
// and foreach bodies become nested Scopes. What the new model lacks lives in
// State.Legacy.

// legacyTypes maps legacy step types to state types.
var legacyTypes = map[string]StateType{
	"pass": Pass, "task": Task, "choice": Choice, "parallel": Parallel,
	"foreach": Map, "wait": Wait, "succeed": Succeed, "fail": Fail,
}

// legacyAllowed lists the fields of each step type beyond name, type, end,
// inputMappings and outputMappings (reference 8.1).
var legacyAllowed = map[StateType][]string{
	Pass:     nil,
	Task:     {"resourceArn", "pattern", "timeoutSeconds", "errorMappings", "retry", "catch"},
	Choice:   {"choices", "default"},
	Parallel: {"branches"},
	Map:      {"iterationMapping", "steps"},
	Wait:     {"duration", "timestamp"},
	Succeed:  nil,
	Fail:     {"error", "cause"},
}

// Variables of legacy fields.
const (
	legacyMapVars  = eval.VarInput | eval.VarLocal // mapping sources
	legacyStepVars = eval.VarInput                 // conditions, collection, duration, timestamp
)

// legacyFlow reads a legacy top-level mapping.
func (p *parser) legacyFlow(top *mapping) *Flow {
	f := &Flow{mode: p.mode, name: p.opts.Name, legacy: true}
	top.get("type")
	if v := top.get("version"); !scalarIs(v, "v1") {
		p.add("version", v, "version must be v1")
	}
	if n := top.get("name"); n != nil {
		if s, ok := p.str("name", n); ok {
			if p.opts.Name != "" && s != p.opts.Name {
				p.add("name", n, "name %q does not match the flow name %q", s, p.opts.Name)
			}
			f.name = s
		}
	}
	f.legacyIO.in = p.legacyMappings("inputMappings", top.get("inputMappings"))
	f.legacyIO.out = p.legacyMappings("outputMappings", top.get("outputMappings"))
	if sn := top.get("steps"); sn == nil {
		p.add("steps", top.node, "steps is required")
		f.root = &Scope{Start: NoState}
	} else {
		f.root = p.legacySteps("steps", sn, scopeCtx{mode: p.mode})
	}
	p.unknown("", "the flow", top)
	return f
}

// legacySteps compiles one `steps` list into a Scope: a step's Next is the
// following step unless it has end: true (or is the last); goto targets are
// resolved among the list's steps; unreachable steps are issues.
func (p *parser) legacySteps(path string, n *yaml.Node, sc scopeCtx) *Scope {
	s := &Scope{Start: NoState}
	if sc.depth > MaxScopeNesting {
		p.add(path, n, "steps are nested deeper than %d levels", MaxScopeNesting)
		return s
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(path, n, "steps must be a non-empty list")
		return s
	}
	index := map[string]int{}
	var targets []target
	var falls [][]*int
	for i, sn := range n.Content {
		st, ts, fl := p.legacyStep(fmt.Sprintf("%s[%d]", path, i), sn, sc)
		if st.Name != "" {
			if _, dup := index[st.Name]; dup {
				p.add(st.Path+".name", sn, "duplicate step name %q in these steps", st.Name)
			} else {
				index[st.Name] = i
			}
		}
		s.States = append(s.States, st)
		targets = append(targets, ts...)
		falls = append(falls, fl)
	}
	for i, st := range s.States {
		if !st.End && st.Type != Succeed && st.Type != Fail && i+1 < len(s.States) {
			st.Next = i + 1
		}
		for _, dst := range falls[i] {
			*dst = st.Next
		}
		if st.Type == Choice {
			// A choice continues only through its branches and default.
			st.Next = NoState
		}
	}
	for _, t := range targets {
		i, ok := index[t.name]
		if !ok {
			p.add(t.path, t.node, "goto target %q is not a sibling step", t.name)
			continue
		}
		*t.dst = i
	}
	s.Start = 0
	seen := make([]bool, len(s.States))
	p.reach(s, 0, seen)
	for i, st := range s.States {
		if !seen[i] && st.Name != "" {
			p.add(st.Path, n.Content[i], "step %q is unreachable", st.Name)
		}
	}
	return s
}

// legacyStep reads one step. It returns the state, its goto targets, and the
// transitions that fall through to the step's sequential Next (choice
// branches without goto), which the caller sets once Next is known.
func (p *parser) legacyStep(path string, n *yaml.Node, sc scopeCtx) (*State, []target, []*int) {
	st := &State{Next: NoState, Default: NoState, Path: path, Legacy: &LegacyStep{}}
	m, ok := p.asMapping(path, n)
	if !ok {
		return st, nil, nil
	}
	if nn := m.get("name"); nn == nil {
		p.add(path+".name", n, "name is required")
	} else if s, ok := p.str(path+".name", nn); ok {
		st.Name = s
		st.Path = path + "(" + s + ")"
		path = st.Path
	}
	tn := m.get("type")
	if tn == nil {
		p.add(path+".type", n, "type is required")
		return st, nil, nil
	}
	tname, _ := p.str(path+".type", tn)
	typ, ok := legacyTypes[tname]
	if !ok {
		p.add(path+".type", tn, "unknown step type %q (want pass, task, choice, parallel, foreach, wait, succeed or fail)", tname)
		return st, nil, nil
	}
	st.Type = typ
	if e := m.get("end"); e != nil {
		st.End, _ = p.boolean(path+".end", e)
	}
	lg := st.Legacy
	lg.InputMappings = p.legacyMappings(path+".inputMappings", m.get("inputMappings"))
	lg.OutputMappings = p.legacyMappings(path+".outputMappings", m.get("outputMappings"))
	for _, k := range legacyAllowed[typ] {
		m.get(k) // every type reads its own fields below with lookup
	}
	var targets []target
	var falls []*int
	switch typ {
	case Task:
		targets = p.legacyTask(path, m, st, sc)
	case Choice:
		targets, falls = p.legacyChoice(path, m, st, sc)
	case Parallel:
		lg.NoDefaultOutput = true
		p.legacyParallel(path, m, st, sc)
	case Map:
		lg.NoDefaultOutput = true
		p.legacyForeach(path, m, st, sc)
	case Wait:
		p.legacyWait(path, m, st, sc)
	case Fail:
		if c := m.lookup("error"); c != nil {
			st.Code, _ = p.str(path+".error", c)
		}
		if c := m.lookup("cause"); c != nil {
			st.Detail, _ = p.str(path+".cause", c)
		}
	}
	p.unknown(path, fmt.Sprintf("%s step %q", tname, st.Name), m)
	return st, targets, falls
}

// legacyMappings compiles a mapping list [{target, source}] into a template
// whose keys are the targets. nil node means absent.
func (p *parser) legacyMappings(path string, n *yaml.Node) *eval.Template {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(path, n, "must be a list of {target, source}")
		return nil
	}
	tmpl := make(map[string]any, len(n.Content))
	ok := true
	for i, e := range n.Content {
		ep := fmt.Sprintf("%s[%d]", path, i)
		em, good := p.asMapping(ep, e)
		if !good {
			ok = false
			continue
		}
		tn, sn := em.get("target"), em.get("source")
		p.unknown(ep, "a mapping", em)
		if tn == nil || sn == nil {
			p.add(ep, e, "a mapping needs target and source")
			ok = false
			continue
		}
		target, good := p.str(ep+".target", tn)
		if !good {
			ok = false
			continue
		}
		if target == "" || strings.HasSuffix(target, ".$") {
			p.add(ep+".target", tn, "target %q is not a valid key", target)
			ok = false
			continue
		}
		if _, dup := tmpl[target]; dup {
			p.add(ep+".target", tn, "duplicate target %q", target)
			ok = false
			continue
		}
		if _, dup := tmpl[target+".$"]; dup {
			p.add(ep+".target", tn, "duplicate target %q", target)
			ok = false
			continue
		}
		if sn.Kind == yaml.ScalarNode && sn.ShortTag() == "!!str" && strings.HasPrefix(strings.TrimSpace(sn.Value), "$") {
			src := strings.TrimSpace(sn.Value)
			if !p.legacySource(ep+".source", sn, src, "$input", "$local") {
				ok = false
				continue
			}
			if _, err := eval.Compile(src, eval.Options{Vars: legacyMapVars, Legacy: true}); err != nil {
				p.add(ep+".source", sn, "invalid source %q: %v", src, err)
				ok = false
				continue
			}
			tmpl[target+".$"] = src
			continue
		}
		v, err := toValue(sn, 0)
		if err != nil {
			p.add(ep+".source", sn, "%v", err)
			ok = false
			continue
		}
		if hasExprKey(v) {
			p.add(ep+".source", sn, "a constant source must not have keys ending in .$")
			ok = false
			continue
		}
		tmpl[target] = v
	}
	if !ok {
		return nil
	}
	t, err := eval.CompileTemplate(tmpl, eval.Options{Vars: legacyMapVars, Legacy: true})
	if err != nil {
		p.add(path, n, "%v", err)
		return nil
	}
	return t
}

// hasExprKey reports whether a constant holds a key that a template would
// read as an expression.
func hasExprKey(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.HasSuffix(k, ".$") || hasExprKey(x) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if hasExprKey(x) {
				return true
			}
		}
	}
	return false
}

// legacySource checks that an expression source starts with one of roots
// ($context is rejected by Project decision 38).
func (p *parser) legacySource(path string, n *yaml.Node, src string, roots ...string) bool {
	if hasRoot(src, "$context") {
		p.add(path, n, "%q: $context is not supported in legacy flows", src)
		return false
	}
	for _, r := range roots {
		if hasRoot(src, r) {
			return true
		}
	}
	p.add(path, n, "%q must start with %s", src, strings.Join(roots, " or "))
	return false
}

// hasRoot reports whether src is the path root r or starts with r followed
// by a member access.
func hasRoot(src, r string) bool {
	if !strings.HasPrefix(src, r) {
		return false
	}
	rest := src[len(r):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// legacyPattern is how a task pattern maps to a TaskMode and an FC
// invocationType.
var legacyPatterns = map[string]struct {
	mode TaskMode
	inv  string
}{
	"requestResponse": {RequestComplete, "Sync"},
	"sync":            {WaitForSystemCallback, "Async"},
	"waitForCallback": {WaitForCustomCallback, "Async"},
}

// Task actions legacy resource ARNs compile to (Project decision 38).
const (
	legacyFCAction   = "FC:InvokeFunction"
	legacyFlowAction = "FNF:StartExecution"
)

func (p *parser) legacyTask(path string, m *mapping, st *State, sc scopeCtx) []target {
	pat := legacyPatterns["requestResponse"]
	if pn := m.lookup("pattern"); pn != nil {
		if s, ok := p.str(path+".pattern", pn); ok {
			if x, found := legacyPatterns[s]; found {
				pat = x
				if sc.mode == Express && x.mode != RequestComplete {
					p.add(path+".pattern", pn, "pattern %s is not allowed in Express mode (only requestResponse)", s)
				}
			} else {
				p.add(path+".pattern", pn, "pattern must be requestResponse, sync or waitForCallback")
			}
		}
	}
	st.TaskMode = pat.mode
	if an := m.lookup("resourceArn"); an == nil {
		p.add(path+".resourceArn", m.node, "task step %q needs a resourceArn", st.Name)
	} else if arn, ok := p.str(path+".resourceArn", an); ok {
		var params map[string]any
		switch {
		case strings.HasPrefix(arn, "acs:mns:"):
			p.add(path+".resourceArn", an, "MNS queue resourceArn %q is not supported", arn)
		case strings.HasPrefix(arn, "acs:fc:") && strings.Contains(arn, "functions/"):
			st.Action, st.Legacy.Result = legacyFCAction, ResultBody
			params = map[string]any{"resourceArn": arn, "invocationType": pat.inv, "body.$": "$input"}
		case strings.HasPrefix(arn, "acs:fnf:") && strings.Contains(arn, ":flow/"):
			st.Action = legacyFlowAction
			params = map[string]any{"resourceArn": arn, "input.$": "$input"}
		default:
			p.add(path+".resourceArn", an, "resourceArn %q is neither a Function Compute function nor a flow", arn)
		}
		if st.Action != "" && p.opts.KnownAction != nil && !p.opts.KnownAction(st.Action) {
			p.add(path+".resourceArn", an, "Action %q is not supported", st.Action)
		}
		if params != nil {
			t, err := eval.CompileTemplate(params, eval.Options{Vars: eval.VarInput, Legacy: true})
			if err != nil {
				p.add(path+".resourceArn", an, "%v", err)
			}
			st.Parameters = t
		}
	}
	if tn := m.lookup("timeoutSeconds"); tn != nil {
		if v, ok := p.integer(path+".timeoutSeconds", tn); ok {
			if v < 1 || v > maxTaskTimeout {
				p.add(path+".timeoutSeconds", tn, "timeoutSeconds must be between 1 and %d", maxTaskTimeout)
			} else {
				st.Timeout = time.Duration(v) * time.Second
			}
		}
	}
	st.Legacy.ErrorMappings = p.legacyMappings(path+".errorMappings", m.lookup("errorMappings"))
	if rn := m.lookup("retry"); rn != nil {
		if rn.Kind != yaml.SequenceNode {
			p.add(path+".retry", rn, "retry must be a list")
		} else {
			for i, r := range rn.Content {
				if rule, ok := p.legacyRetry(fmt.Sprintf("%s.retry[%d]", path, i), r); ok {
					st.Retry = append(st.Retry, rule)
				}
			}
		}
	}
	cn := m.lookup("catch")
	if cn == nil {
		return nil
	}
	if cn.Kind != yaml.SequenceNode {
		p.add(path+".catch", cn, "catch must be a list")
		return nil
	}
	var targets []target
	st.Catch = make([]Catch, len(cn.Content))
	for i, c := range cn.Content {
		cp := fmt.Sprintf("%s.catch[%d]", path, i)
		rule := &st.Catch[i]
		rule.Next = NoState
		cm, ok := p.asMapping(cp, c)
		if !ok {
			continue
		}
		rule.Errors, rule.matchAll = p.errorList(cp, cm, "errors")
		if g := cm.get("goto"); g == nil {
			p.add(cp+".goto", c, "goto is required in a catch rule")
		} else if s, ok := p.str(cp+".goto", g); ok {
			targets = append(targets, target{name: s, path: cp + ".goto", node: g, dst: &rule.Next})
		}
		p.unknown(cp, "a catch rule", cm)
	}
	return targets
}

// legacyRetry reads a retry rule with the legacy defaults: intervalSeconds 1,
// maxIntervalSeconds 86400, maxAttempts 3, multiplier 2.
func (p *parser) legacyRetry(path string, n *yaml.Node) (Retry, bool) {
	r := Retry{
		MaxAttempts: legacyRetryAttempts, Interval: legacyRetryInterval * time.Second,
		BackoffRate: legacyRetryMultiplier, MaxBackoff: legacyRetryMaxInterval * time.Second, HasMaxBackoff: true,
	}
	m, ok := p.asMapping(path, n)
	if !ok {
		return r, false
	}
	r.Errors, r.matchAll = p.errorList(path, m, "errors")
	if x, ok := p.intBetween(path, m, "maxAttempts", 0, maxRetryAttempts); ok {
		r.MaxAttempts = int(x)
	}
	if x, ok := p.intBetween(path, m, "intervalSeconds", 0, maxIntervalSeconds); ok {
		r.Interval = time.Duration(x) * time.Second
	}
	if x, ok := p.intBetween(path, m, "maxIntervalSeconds", 1, legacyRetryMaxInterval); ok {
		r.MaxBackoff = time.Duration(x) * time.Second
	}
	if x, ok := p.rate(path, m, "multiplier"); ok {
		r.BackoffRate = x
	}
	p.unknown(path, "a retry rule", m)
	return r, true
}

// legacyCondition compiles a choice condition ($ and $input are the step
// input).
func (p *parser) legacyCondition(path string, n *yaml.Node) *eval.Expr {
	s, ok := p.str(path, n)
	if !ok {
		return nil
	}
	// The compiler rejects a $context path (but not a string mentioning it).
	x, err := eval.Compile(s, eval.Options{Vars: legacyStepVars, Condition: true, Legacy: true})
	if err != nil {
		p.add(path, n, "invalid condition %q: %v", s, err)
		return nil
	}
	return x
}

// legacyBlock reads the {steps?, goto?} part of a choice or default.
func (p *parser) legacyBlock(path string, m *mapping, next *int, sc scopeCtx) (*Scope, []target, []*int) {
	var steps *Scope
	if sn := m.get("steps"); sn != nil {
		sub := sc
		sub.depth++
		steps = p.legacySteps(path+".steps", sn, sub)
	}
	if g := m.get("goto"); g != nil {
		if s, ok := p.str(path+".goto", g); ok {
			return steps, []target{{name: s, path: path + ".goto", node: g, dst: next}}, nil
		}
		return steps, nil, nil
	}
	return steps, nil, []*int{next}
}

func (p *parser) legacyChoice(path string, m *mapping, st *State, sc scopeCtx) ([]target, []*int) {
	var targets []target
	var falls []*int
	cn := m.lookup("choices")
	switch {
	case cn == nil:
		p.add(path+".choices", m.node, "choice step %q needs choices", st.Name)
	case cn.Kind != yaml.SequenceNode || len(cn.Content) == 0:
		p.add(path+".choices", cn, "choices must be a non-empty list")
	default:
		st.Choices = make([]ChoiceBranch, len(cn.Content))
		st.Legacy.ChoiceSteps = make([]*Scope, len(cn.Content))
		for i, c := range cn.Content {
			cp := fmt.Sprintf("%s.choices[%d]", path, i)
			st.Choices[i].Next = NoState
			cm, ok := p.asMapping(cp, c)
			if !ok {
				continue
			}
			if cond := cm.get("condition"); cond == nil {
				p.add(cp+".condition", c, "condition is required")
			} else {
				st.Choices[i].Condition = p.legacyCondition(cp+".condition", cond)
			}
			steps, ts, fl := p.legacyBlock(cp, cm, &st.Choices[i].Next, sc)
			st.Legacy.ChoiceSteps[i] = steps
			targets, falls = append(targets, ts...), append(falls, fl...)
			p.unknown(cp, "a choice", cm)
		}
	}
	if dn := m.lookup("default"); dn == nil {
		falls = append(falls, &st.Default)
	} else if dm, ok := p.asMapping(path+".default", dn); ok {
		steps, ts, fl := p.legacyBlock(path+".default", dm, &st.Default, sc)
		st.Legacy.DefaultSteps = steps
		targets, falls = append(targets, ts...), append(falls, fl...)
		p.unknown(path+".default", "the default of a choice", dm)
	}
	return targets, falls
}

func (p *parser) legacyParallel(path string, m *mapping, st *State, sc scopeCtx) {
	bn := m.lookup("branches")
	switch {
	case bn == nil:
		p.add(path+".branches", m.node, "parallel step %q needs branches", st.Name)
		return
	case bn.Kind != yaml.SequenceNode:
		p.add(path+".branches", bn, "branches must be a list")
		return
	case len(bn.Content) == 0 || len(bn.Content) > MaxBranches:
		p.add(path+".branches", bn, "a parallel step needs 1 to %d branches, got %d", MaxBranches, len(bn.Content))
		return
	}
	sub := sc
	sub.depth++
	for i, b := range bn.Content {
		bp := fmt.Sprintf("%s.branches[%d]", path, i)
		s := &Scope{Start: NoState}
		if bm, ok := p.asMapping(bp, b); ok {
			if sn := bm.get("steps"); sn == nil {
				p.add(bp+".steps", b, "a branch needs steps")
			} else {
				s = p.legacySteps(bp+".steps", sn, sub)
			}
			p.unknown(bp, "a branch (only steps)", bm)
		}
		st.Branches = append(st.Branches, s)
	}
}

func (p *parser) legacyForeach(path string, m *mapping, st *State, sc scopeCtx) {
	st.MaxConcurrency = LegacyMaxForeachConcurrency
	if im := m.lookup("iterationMapping"); im == nil {
		p.add(path+".iterationMapping", m.node, "foreach step %q needs an iterationMapping", st.Name)
	} else if mm, ok := p.asMapping(path+".iterationMapping", im); ok {
		ip := path + ".iterationMapping"
		if c := mm.get("collection"); c == nil {
			p.add(ip+".collection", im, "collection is required")
		} else if s, ok := p.str(ip+".collection", c); ok {
			s = strings.TrimSpace(s)
			if p.legacySource(ip+".collection", c, s, "$input", "$") {
				x, err := eval.Compile(s, eval.Options{Vars: legacyStepVars, Legacy: true})
				if err != nil {
					p.add(ip+".collection", c, "invalid collection %q: %v", s, err)
				}
				st.Legacy.Collection = x
			}
		}
		if it := mm.get("item"); it == nil {
			p.add(ip+".item", im, "item is required")
		} else if s, ok := p.str(ip+".item", it); ok {
			if s == "" {
				p.add(ip+".item", it, "item must not be empty")
			}
			st.Legacy.Item = s
		}
		if ix := mm.get("index"); ix != nil {
			if s, ok := p.str(ip+".index", ix); ok {
				if s == "" || s == st.Legacy.Item {
					p.add(ip+".index", ix, "index must be a key other than item")
				}
				st.Legacy.Index = s
			}
		}
		p.unknown(ip, "iterationMapping", mm)
	}
	if sn := m.lookup("steps"); sn == nil {
		p.add(path+".steps", m.node, "foreach step %q needs steps", st.Name)
		st.Processor = &Scope{Start: NoState}
	} else {
		sub := sc
		sub.depth++
		sub.inProcessor = true
		st.Processor = p.legacySteps(path+".steps", sn, sub)
	}
}

func (p *parser) legacyWait(path string, m *mapping, st *State, sc scopeCtx) {
	dn, tn := m.lookup("duration"), m.lookup("timestamp")
	lg := st.Legacy
	lg.MinWait, lg.MaxWait = LegacyWaitBounds(sc.mode)
	switch {
	case dn != nil && tn != nil:
		p.add(path+".duration", dn, "use either duration or timestamp, not both")
	case dn != nil:
		if dn.Kind == yaml.ScalarNode && dn.ShortTag() == "!!str" && strings.HasPrefix(strings.TrimSpace(dn.Value), "$") {
			lg.DurationExpr = p.legacyStepExpr(path+".duration", dn)
		} else if v, ok := p.integer(path+".duration", dn); ok {
			if d := time.Duration(v) * time.Second; v < 0 || d < lg.MinWait || d > lg.MaxWait {
				p.add(path+".duration", dn, "duration must be between %d and %d seconds in %s mode", int64(lg.MinWait/time.Second), int64(lg.MaxWait/time.Second), sc.mode)
			} else {
				lg.Duration = time.Duration(v) * time.Second
			}
		}
	case tn != nil:
		lg.HasTimestamp = true
		s, ok := p.str(path+".timestamp", tn)
		if !ok {
			return
		}
		if strings.HasPrefix(strings.TrimSpace(s), "$") {
			lg.TimestampExpr = p.legacyStepExpr(path+".timestamp", tn)
		} else if ts, err := time.Parse(time.RFC3339, s); err != nil {
			p.add(path+".timestamp", tn, "timestamp %q is not RFC 3339", s)
		} else {
			lg.Timestamp = ts
		}
	default:
		p.add(path+".duration", m.node, "wait step %q needs duration or timestamp", st.Name)
	}
}

// LegacyWaitBounds returns the shortest and longest wait step of a mode: 0
// to LegacyMaxWait, or the Express Wait bound (1 to MaxWaitSeconds(Express)).
func LegacyWaitBounds(m Mode) (minWait, maxWait time.Duration) {
	if m == Express {
		return time.Second, time.Duration(MaxWaitSeconds(Express)) * time.Second
	}
	return 0, LegacyMaxWait
}

// legacyStepExpr compiles a `$.key` (or `$input.key`) value on the step input.
func (p *parser) legacyStepExpr(path string, n *yaml.Node) *eval.Expr {
	s := strings.TrimSpace(n.Value)
	if !p.legacySource(path, n, s, "$input", "$") {
		return nil
	}
	x, err := eval.Compile(s, eval.Options{Vars: legacyStepVars, Legacy: true})
	if err != nil {
		p.add(path, n, "invalid expression %q: %v", s, err)
		return nil
	}
	return x
}
