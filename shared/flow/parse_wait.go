package flow

import "github.com/cloudflow-oss/cloudflow/shared/eval"

// MaxWaitSeconds returns the Wait.Seconds upper bound of a mode.
func MaxWaitSeconds(m Mode) int {
	if m == Express {
		return maxWaitExpress
	}
	return maxWaitStandard
}

// wait reads Seconds or Seconds.$ of a Wait state.
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
