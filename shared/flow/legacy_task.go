package flow

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/value"
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
	// legacyCallbackPattern is the pattern whose inputMappings may read
	// $context.task.token.
	legacyCallbackPattern = "waitForCallback"
	// legacyFlowARN is the region-less flow ARN of legacy sub-flow tasks
	// (the service's own region); %s is the flow name.
	legacyFlowARN = "acs:fnf:::flow/"
)

// legacyTarget reads what a task step calls: a resourceArn (FC function or
// flow), or an action (only fnf:StartExecution, decision 62), with the
// serviceParams of a sub-flow task. It sets the state's Action and
// Parameters.
func (p *parser) legacyTarget(path string, m *mapping, st *State, invocationType string) {
	an, act, sp := m.lookup("resourceArn"), m.lookup("action"), m.lookup("serviceParams")
	var node *yaml.Node
	field := "resourceArn"
	var params map[string]any
	switch {
	case an != nil && act != nil:
		p.add(path+".action", act, "task step %q has both resourceArn and action; use one", st.Name)
		return
	case an == nil && act == nil:
		p.add(path+".resourceArn", m.node, "task step %q needs a resourceArn (or an action)", st.Name)
		return
	case act != nil:
		node, field = act, "action"
		s, ok := p.str(path+".action", act)
		if !ok {
			return
		}
		svc, api, _ := strings.Cut(s, ":")
		if !strings.EqualFold(svc, "fnf") || api != "StartExecution" {
			p.add(path+".action", act, "action %q is not supported: the only action is fnf:StartExecution (Alibaba Cloud OpenAPI tasks are not supported)", s)
			return
		}
		st.Action = legacyFlowAction
		if sp == nil {
			p.add(path+".serviceParams", act, "task step %q with action %s needs serviceParams with FlowName", st.Name, s)
			return
		}
		params = p.legacyServiceParams(path+".serviceParams", sp, "", true)
	default:
		node = an
		arn, ok := p.str(path+".resourceArn", an)
		if !ok {
			return
		}
		switch {
		case strings.HasPrefix(arn, "acs:mns:"):
			p.add(path+".resourceArn", an, "MNS resourceArn %q is not supported (MNS queue and topic tasks are not)", arn)
			return
		case strings.HasPrefix(arn, "acs:fc:") && strings.Contains(arn, "functions/"):
			st.Action, st.Legacy.Result = legacyFCAction, ResultBody
			params = map[string]any{"resourceArn": arn, "invocationType": invocationType, "body.$": "$input"}
			if sp != nil {
				p.add(path+".serviceParams", sp, "serviceParams is not supported on a Function Compute task (only on sub-flow tasks)")
			}
		case strings.HasPrefix(arn, "acs:fnf:") && strings.Contains(arn, ":flow/"):
			st.Action = legacyFlowAction
			params = p.legacyServiceParams(path+".serviceParams", sp, arn, false)
		default:
			p.add(path+".resourceArn", an, "resourceArn %q is neither a Function Compute function nor a flow", arn)
			return
		}
	}
	if p.opts.KnownAction != nil && !p.opts.KnownAction(st.Action) {
		p.add(path+"."+field, node, "Action %q is not supported", st.Action)
	}
	if params == nil {
		return
	}
	t, err := eval.CompileTemplate(params, eval.Options{Vars: eval.VarInput, Legacy: true})
	if err != nil {
		p.add(path+".serviceParams", node, "%v", err)
		return
	}
	st.Parameters = t
}

// legacyServiceParams compiles the serviceParams of a sub-flow task (n may
// be nil) into FNF:StartExecution Parameters (decision 62): FlowName (which
// overrides arn; required when needFlow), ExecutionName and Input (default:
// the whole step input). Each value is $, a $.path into the step input, or
// a constant. It returns nil after reporting an issue.
func (p *parser) legacyServiceParams(path string, n *yaml.Node, arn string, needFlow bool) map[string]any {
	params := map[string]any{"input.$": "$input"}
	if arn != "" {
		params["resourceArn"] = arn
	}
	if n == nil {
		return params
	}
	m, ok := p.asMapping(path, n)
	if !ok {
		return nil
	}
	ok = true
	for _, f := range m.fields {
		fp := join(path, f.key)
		if f.key != "FlowName" && f.key != "ExecutionName" && f.key != "Input" {
			p.add(fp, f.kn, "unknown serviceParams key %q of a sub-flow task (its keys: FlowName, ExecutionName, Input)", f.key)
			ok = false
			continue
		}
		v, isPath, good := p.serviceParam(fp, f.val)
		if !good {
			ok = false
			continue
		}
		switch f.key {
		case "FlowName":
			switch s, isStr := v.(string); {
			case isPath:
				params["resourceArn.$"] = `format("` + legacyFlowARN + `{}", ` + s + `)`
				delete(params, "resourceArn")
			case isStr && s != "":
				params["resourceArn"] = legacyFlowARN + s
			default:
				p.add(fp, f.val, "FlowName must be a flow name, $ or a $.path")
				ok = false
			}
		case "ExecutionName":
			if _, isStr := v.(string); !isStr {
				p.add(fp, f.val, "ExecutionName must be a string, $ or a $.path")
				ok = false
			} else if isPath {
				params["executionName.$"] = v
			} else {
				params["executionName"] = v
			}
		case "Input":
			delete(params, "input.$")
			if isPath {
				params["input.$"] = v
			} else if _, isObj := v.(map[string]any); isObj {
				params["input"] = v
			} else {
				p.add(fp, f.val, "Input must be $, a $.path or an object")
				ok = false
			}
		}
	}
	if needFlow && m.lookup("FlowName") == nil {
		p.add(path+".FlowName", n, "serviceParams of an fnf:StartExecution action needs FlowName")
		ok = false
	}
	if !ok {
		return nil
	}
	return params
}

// serviceParam reads one serviceParams value: $ or a $.path (isPath, v is
// the expression), or a constant (v is its value).
func (p *parser) serviceParam(path string, n *yaml.Node) (v any, isPath, ok bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && strings.HasPrefix(strings.TrimSpace(n.Value), "$") {
		src := strings.TrimSpace(n.Value)
		if src != "$" && !hasRoot(src, "$") {
			p.add(path, n, "%q: a serviceParams value is $, a $.path into the step input, or a constant", src)
			return nil, false, false
		}
		if _, err := eval.Compile(src, eval.Options{Vars: legacyStepVars, Legacy: true}); err != nil {
			p.exprError(path, n, "path", src, err)
			return nil, false, false
		}
		return src, true, true
	}
	v, err := value.FromYAML(n, MaxDepth)
	if err != nil {
		p.add(path, n, "%v", err)
		return nil, false, false
	}
	if hasExprKey(v) {
		p.add(path, n, "a constant must not have keys ending in .$")
		return nil, false, false
	}
	return v, false, true
}

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
				p.add(path+".pattern", pn, "pattern must be requestResponse, sync or waitForCallback%s", valueHint(s, "requestResponse", "sync", "waitForCallback"))
			}
		}
	}
	st.TaskMode = pat.mode
	p.legacyTarget(path, m, st, pat.inv)
	if tn := m.lookup("timeoutSeconds"); tn != nil {
		if v, ok := p.integer(path+".timeoutSeconds", tn); ok {
			if v < 1 || v > maxTaskTimeout {
				p.add(path+".timeoutSeconds", tn, "timeoutSeconds must be between 1 and %d", maxTaskTimeout)
			} else {
				st.Timeout = time.Duration(v) * time.Second
			}
		}
	}
	st.Legacy.ErrorMappings = p.legacyMappings(path+".errorMappings", m.lookup("errorMappings"), legacyStepMapVars)
	return p.rules(path, m, st, legacyRules)
}
