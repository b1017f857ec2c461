package flow

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

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
		p.add(path+".Type", tn, "unknown state type %q (want Pass, Task, Wait, Choice, Succeed, Fail, Parallel or Map)%s", tname, valueHint(tname, "Pass", "Task", "Wait", "Choice", "Succeed", "Fail", "Parallel", "Map"))
		return st, nil
	}
	st.Type = typ
	if d := m.get("Description"); d != nil {
		p.str(path+".Description", d)
	}
	p.stateFields(path, m, st)
	targets := p.transition(path, n, m, st)
	p.constructors(path, m, st, sc)
	switch typ {
	case Task:
		p.task(path, m, st, sc)
	case Wait:
		p.wait(path, m, st, sc)
	case Choice:
		targets = append(targets, p.choice(path, m, st)...)
	case Fail:
		p.fail(path, n, m, st)
	case Parallel:
		p.parallel(path, m, st, sc)
	case Map:
		p.mapState(path, m, st, sc)
	}
	if typ == Task || typ == Parallel || typ == Map {
		targets = append(targets, p.rules(path, m, st, newRules)...)
	}
	return st, targets
}

// stateFields reports every field of m that a state of st's type does not
// have, with a hint where one helps.
func (p *parser) stateFields(path string, m *mapping, st *State) {
	typ := st.Type
	for _, f := range m.fields {
		if f.key == "Name" || f.key == "Type" || f.key == "Description" || f.key == "InputConstructor" ||
			contains(allowed[typ], f.key) {
			continue
		}
		msg := stateFieldMsg(f.key, st)
		if strings.HasPrefix(msg, "unknown field") && fieldHints[f.key] == "" {
			msg += p.didYouMean(f.key, append([]string{"Name", "Type", "Description", "InputConstructor"}, allowed[typ]...)...)
		}
		p.add(join(path, f.key), f.kn, "%s", msg)
	}
}

// stateFieldMsg says why key is not a field of st.
func stateFieldMsg(key string, st *State) string {
	typ := st.Type
	switch {
	case key == "OutputConstructor" || key == "GlobalConstructor":
		return fmt.Sprintf("%s is not allowed in %s state %q", key, typ, st.Name)
	case key == "Next" && (typ == Succeed || typ == Fail):
		return fmt.Sprintf("Next is not allowed in %s state %q", typ, st.Name)
	case (key == "Next" || key == "End") && typ == Choice:
		return fmt.Sprintf("%s is not allowed in Choice state %q; use Branches and Default", key, st.Name)
	case key == "Retry" || key == "Catch":
		return fmt.Sprintf("%s is not allowed in %s state %q (only Task, Parallel and Map)", key, typ, st.Name)
	case typ == Map && (key == "ItemReader" || key == "ItemBatcher" || key == "ResultWriter" ||
		strings.HasPrefix(key, "ToleratedFail")):
		return fmt.Sprintf("%s is not supported (Map state %q)", key, st.Name)
	}
	msg := fmt.Sprintf("unknown field %q in %s state %q", key, typ, st.Name)
	if hint, ok := fieldHints[key]; ok {
		msg += "; " + hint
	}
	return msg
}

// transition reads Next and End (not on a Choice, whose targets are its
// branches) and returns the Next target.
func (p *parser) transition(path string, n *yaml.Node, m *mapping, st *State) []target {
	typ := st.Type
	if typ == Choice {
		return nil
	}
	var targets []target
	next, end := m.lookup("Next"), m.lookup("End")
	if next != nil && typ != Succeed && typ != Fail {
		if s, ok := p.str(path+".Next", next); ok {
			targets = append(targets, target{name: s, path: path + ".Next", node: next, dst: &st.Next})
		}
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
	return targets
}

// constructors compiles the InputConstructor, and the OutputConstructor and
// GlobalConstructor of the types that have them.
func (p *parser) constructors(path string, m *mapping, st *State, sc scopeCtx) {
	st.Input = p.template(path+".InputConstructor", m.lookup("InputConstructor"), varsIn)
	if st.Type == Choice || st.Type == Fail {
		return
	}
	st.Output = p.template(path+".OutputConstructor", m.lookup("OutputConstructor"), varsOut)
	if g := m.lookup("GlobalConstructor"); g != nil {
		if sc.inProcessor {
			p.add(path+".GlobalConstructor", g, "GlobalConstructor is not allowed inside a Map Processor")
		} else {
			st.Global = p.template(path+".GlobalConstructor", g, varsOut)
		}
	}
}

// fail reads the Code and Detail of a Fail state.
func (p *parser) fail(path string, n *yaml.Node, m *mapping, st *State) {
	if c := m.lookup("Code"); c != nil {
		st.Code, _ = p.str(path+".Code", c)
	}
	if d := m.lookup("Detail"); d == nil {
		p.add(path+".Detail", n, "Fail state %q needs a Detail", st.Name)
	} else {
		st.Detail, _ = p.str(path+".Detail", d)
	}
}
