package flow

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// legacyWait reads the duration or timestamp of a wait step.
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
		p.exprError(path, n, "expression", s, err)
		return nil
	}
	return x
}
