package flow

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// legacyParallel reads the branches of a parallel step.
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
