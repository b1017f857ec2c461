package flow

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// subScope reads a nested scope: a Parallel branch or a Map Processor.
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

// parallel reads the Branches of a Parallel state.
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
