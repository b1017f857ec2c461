package flow

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// choice reads the Branches and Default of a Choice state and returns their
// targets.
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
