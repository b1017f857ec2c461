package flow

import (
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// legacyForeach compiles a foreach step into a Map state.
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
					p.exprError(ip+".collection", c, "collection", s, err)
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
