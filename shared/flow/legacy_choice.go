package flow

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

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
		p.exprError(path, n, "condition", s, err)
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

// legacyChoice reads choices and default; it returns their goto targets and
// the branches that fall through to the step after the choice.
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
