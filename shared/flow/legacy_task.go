package flow

import (
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// legacyPattern is how a task pattern maps to a TaskMode and an FC
// invocationType.
var legacyPatterns = map[string]struct {
	mode TaskMode
	inv  string
}{
	"requestResponse": {RequestComplete, "Sync"},
	"sync":            {WaitForSystemCallback, "Async"},
	"waitForCallback": {WaitForCustomCallback, "Async"},
}

// Task actions legacy resource ARNs compile to (Project decision 38).
const (
	legacyFCAction   = "FC:InvokeFunction"
	legacyFlowAction = "FNF:StartExecution"
)

// legacyTask compiles a task step into a Task state and returns its catch
// targets.
func (p *parser) legacyTask(path string, m *mapping, st *State, sc scopeCtx) []target {
	pat := legacyPatterns["requestResponse"]
	if pn := m.lookup("pattern"); pn != nil {
		if s, ok := p.str(path+".pattern", pn); ok {
			if x, found := legacyPatterns[s]; found {
				pat = x
				if sc.mode == Express && x.mode != RequestComplete {
					p.add(path+".pattern", pn, "pattern %s is not allowed in Express mode (only requestResponse)", s)
				}
			} else {
				p.add(path+".pattern", pn, "pattern must be requestResponse, sync or waitForCallback")
			}
		}
	}
	st.TaskMode = pat.mode
	if an := m.lookup("resourceArn"); an == nil {
		p.add(path+".resourceArn", m.node, "task step %q needs a resourceArn", st.Name)
	} else if arn, ok := p.str(path+".resourceArn", an); ok {
		var params map[string]any
		switch {
		case strings.HasPrefix(arn, "acs:mns:"):
			p.add(path+".resourceArn", an, "MNS queue resourceArn %q is not supported", arn)
		case strings.HasPrefix(arn, "acs:fc:") && strings.Contains(arn, "functions/"):
			st.Action, st.Legacy.Result = legacyFCAction, ResultBody
			params = map[string]any{"resourceArn": arn, "invocationType": pat.inv, "body.$": "$input"}
		case strings.HasPrefix(arn, "acs:fnf:") && strings.Contains(arn, ":flow/"):
			st.Action = legacyFlowAction
			params = map[string]any{"resourceArn": arn, "input.$": "$input"}
		default:
			p.add(path+".resourceArn", an, "resourceArn %q is neither a Function Compute function nor a flow", arn)
		}
		if st.Action != "" && p.opts.KnownAction != nil && !p.opts.KnownAction(st.Action) {
			p.add(path+".resourceArn", an, "Action %q is not supported", st.Action)
		}
		if params != nil {
			t, err := eval.CompileTemplate(params, eval.Options{Vars: eval.VarInput, Legacy: true})
			if err != nil {
				p.add(path+".resourceArn", an, "%v", err)
			}
			st.Parameters = t
		}
	}
	if tn := m.lookup("timeoutSeconds"); tn != nil {
		if v, ok := p.integer(path+".timeoutSeconds", tn); ok {
			if v < 1 || v > maxTaskTimeout {
				p.add(path+".timeoutSeconds", tn, "timeoutSeconds must be between 1 and %d", maxTaskTimeout)
			} else {
				st.Timeout = time.Duration(v) * time.Second
			}
		}
	}
	st.Legacy.ErrorMappings = p.legacyMappings(path+".errorMappings", m.lookup("errorMappings"))
	return p.rules(path, m, st, legacyRules)
}
