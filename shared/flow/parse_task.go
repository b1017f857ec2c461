package flow

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// task reads Action, TaskMode, Parameters and Timeout of a Task state.
func (p *parser) task(path string, m *mapping, st *State, sc scopeCtx) {
	st.TaskMode = RequestComplete
	if a := m.lookup("Action"); a == nil {
		p.add(path+".Action", m.node, "Task state %q needs an Action", st.Name)
	} else if s, ok := p.str(path+".Action", a); ok {
		svc, api, found := strings.Cut(s, ":")
		switch {
		case !found || svc == "" || api == "" || strings.ContainsAny(s, " \t") || strings.Count(s, ":") != 1:
			p.add(path+".Action", a, "Action %q must have the form <Service>:<ApiName>", s)
		case p.opts.KnownAction != nil && !p.opts.KnownAction(s):
			p.add(path+".Action", a, "Action %q is not supported", s)
		default:
			st.Action = s
		}
	}
	if tm := m.lookup("TaskMode"); tm != nil {
		if s, ok := p.str(path+".TaskMode", tm); ok {
			switch TaskMode(s) {
			case RequestComplete, WaitForSystemCallback, WaitForCustomCallback:
				st.TaskMode = TaskMode(s)
				if sc.mode == Express && st.TaskMode != RequestComplete {
					p.add(path+".TaskMode", tm, "TaskMode %s is not allowed in Express mode (only RequestComplete)", s)
				}
			default:
				p.add(path+".TaskMode", tm, "TaskMode must be RequestComplete, WaitForSystemCallback or WaitForCustomCallback%s", valueHint(s, string(RequestComplete), string(WaitForSystemCallback), string(WaitForCustomCallback)))
			}
		}
	}
	st.Parameters = p.template(path+".Parameters", m.lookup("Parameters"), varsIn)
	p.checkParameters(path+".Parameters", m.lookup("Parameters"), st)
	lit, ex := m.lookup("Timeout"), m.lookup("Timeout.$")
	switch {
	case lit != nil && ex != nil:
		p.add(path+".Timeout", lit, "use either Timeout or Timeout.$, not both")
	case lit != nil:
		if v, ok := parseTaskTimeout(lit); !ok {
			p.add(path+".Timeout", lit, "Timeout must be a whole number of seconds from 0 to %d (number or numeric string)", maxTaskTimeout)
		} else {
			st.Timeout = time.Duration(v) * time.Second
		}
	case ex != nil:
		st.TimeoutExpr = p.expr(path+".Timeout.$", ex, eval.Options{Vars: varsSimple})
	}
}

// parseTaskTimeout accepts a number or a numeric string in [0, 604800].
func parseTaskTimeout(n *yaml.Node) (int64, bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, false
		}
		v = int64(f)
	}
	return v, v >= 0 && v <= maxTaskTimeout
}

// checkParameters asks ParseOptions.CheckParameters about each literal key
// of a Task's Parameters mapping n, adding an issue at the key it refuses.
func (p *parser) checkParameters(path string, n *yaml.Node, st *State) {
	if p.opts.CheckParameters == nil || n == nil || n.Kind != yaml.MappingNode || st.Action == "" {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		key := strings.TrimSuffix(k.Value, ".$")
		if err := p.opts.CheckParameters(st.Name, st.Action, []string{key}); err != nil {
			p.add(path+"."+k.Value, k, "%v", err)
		}
	}
}
