package flow

import (
	"fmt"

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
	Task:     {"resourceArn", "action", "serviceParams", "pattern", "timeoutSeconds", "errorMappings", "retry", "catch"},
	Choice:   {"choices", "default"},
	Parallel: {"branches"},
	Map:      {"iterationMapping", "steps"},
	Wait:     {"duration", "timestamp"},
	Succeed:  nil,
	Fail:     {"error", "cause"},
}

// Variables of legacy fields. Mapping sources may read $context
// (decision 61): the flow-level mappings its flow and execution names, a
// step's mappings also the step's name and eventId, and the inputMappings of
// a waitForCallback task also the task token.
const (
	legacyFlowMapVars = eval.VarInput | eval.VarLocal | eval.VarContext
	legacyStepMapVars = legacyFlowMapVars | eval.VarStep
	legacyStepVars    = eval.VarInput // conditions, collection, duration, timestamp
)

// legacyFlow reads a legacy top-level mapping.
func (p *parser) legacyFlow(top *mapping) *Flow {
	f := &Flow{mode: p.mode, name: p.opts.Name, legacy: true}
	top.get("type")
	if v := top.get("version"); !scalarIs(v, "v1") && !scalarIs(v, "v1beta1") {
		p.add("version", v, "version must be v1 or v1beta1")
	}
	if n := top.get("name"); n != nil {
		if s, ok := p.str("name", n); ok {
			if p.opts.Name != "" && s != p.opts.Name {
				p.add("name", n, "name %q does not match the flow name %q", s, p.opts.Name)
			}
			f.name = s
		}
	}
	f.legacyIO.in = p.legacyMappings("inputMappings", top.get("inputMappings"), legacyFlowMapVars)
	f.legacyIO.out = p.legacyMappings("outputMappings", top.get("outputMappings"), legacyFlowMapVars)
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
			p.add(t.path, t.node, "goto target %q is not a sibling step%s", t.name, nameHint(t.name, index))
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
		p.add(path+".type", tn, "unknown step type %q (want pass, task, choice, parallel, foreach, wait, succeed or fail)%s", tname, valueHint(tname, "pass", "task", "choice", "parallel", "foreach", "wait", "succeed", "fail"))
		return st, nil, nil
	}
	st.Type = typ
	if e := m.get("end"); e != nil {
		st.End, _ = p.boolean(path+".end", e)
	}
	lg := st.Legacy
	inVars := legacyStepMapVars
	if typ == Task && scalarIs(m.lookup("pattern"), legacyCallbackPattern) {
		inVars |= eval.VarTaskToken
	}
	lg.InputMappings = p.legacyMappings(path+".inputMappings", m.get("inputMappings"), inVars)
	lg.OutputMappings = p.legacyMappings(path+".outputMappings", m.get("outputMappings"), legacyStepMapVars)
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
