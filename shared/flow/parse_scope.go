package flow

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

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
		if statesNode.Kind == yaml.MappingNode {
			p.add(join(path, "States"), statesNode, "States must be a list; AWS States Language writes States as a map, CloudFlow as a list of states that each have a Name")
		} else {
			p.add(join(path, "States"), statesNode, "States must be a list")
		}
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
			p.add(t.path, t.node, "state %q does not exist in this scope%s", t.name, nameHint(t.name, index))
			continue
		}
		*t.dst = i
	}
	if startNode != nil && start != "" {
		if i, ok := index[start]; ok {
			s.Start = i
		} else {
			p.add(join(path, "StartAt"), startNode, "StartAt state %q does not exist in this scope%s", start, nameHint(start, index))
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
