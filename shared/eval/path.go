package eval

import (
	"strconv"
	"strings"
)

// root is the variable a path starts from.
type root uint8

const (
	rootInput root = iota
	rootOutput
	rootGlobal
	rootItem
	rootLocal
	rootContext
)

// stepKind says how one path step selects.
type stepKind uint8

const (
	stepKey   stepKind = iota // .name or ["name"]
	stepIndex                 // [n]
	stepAll                   // legacy [*]: project the rest over every element
)

type step struct {
	kind  stepKind
	key   string
	index int
}

// ctxField is the part of $Context a path resolves at compile time.
type ctxField uint8

const (
	ctxWhole ctxField = iota
	ctxExecution
	ctxExecutionName
	ctxExecutionInput
	ctxExecutionRoleArn
	ctxCurrent
	ctxCurrentName
	ctxCurrentInput
	ctxCurrentOutput
	ctxCurrentError
	ctxCurrentErrorCode
	ctxCurrentErrorDetail
	ctxCurrentRetryCount
	ctxCurrentTaskToken
	ctxFlowName    // legacy $context.flow.name
	ctxStepEventID // legacy $context.step.eventId
)

// pathNode is a path such as $Input.a.b[0]; it is resolved directly, without
// a virtual machine.
type pathNode struct {
	src   string // canonical text, used in error messages
	root  root
	ctx   ctxField // with rootContext: the fields consumed at compile time
	steps []step   // steps left after the root (and the $Context fields)
}

func (p *pathNode) eval(env *Env) (any, error) {
	v, ok := p.lookup(env)
	if !ok {
		return nil, &evalError{msg: p.src + ": path not found", missing: true}
	}
	return v, nil
}

// lookup resolves the path; ok is false when it selects nothing.
func (p *pathNode) lookup(env *Env) (any, bool) {
	var v any
	switch p.root {
	case rootInput:
		v = env.Input
	case rootOutput:
		v = env.Output
	case rootGlobal:
		if env.Global == nil {
			if len(p.steps) > 0 {
				return nil, false
			}
			return map[string]any{}, true
		}
		v = env.Global
	case rootItem:
		v = env.Item
	case rootLocal:
		v = env.Local
	case rootContext:
		var ok bool
		if v, ok = contextValue(env.Context, p.ctx); !ok {
			return nil, false
		}
	}
	return walk(v, p.steps)
}

// walk applies steps to v.
func walk(v any, steps []step) (any, bool) {
	for i, s := range steps {
		switch s.kind {
		case stepKey:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[s.key]; !ok {
				return nil, false
			}
		case stepIndex:
			a, ok := v.([]any)
			if !ok || s.index >= len(a) {
				return nil, false
			}
			v = a[s.index]
		case stepAll:
			a, ok := v.([]any)
			if !ok {
				return nil, false
			}
			out := make([]any, 0, len(a))
			for _, e := range a {
				if r, ok := walk(e, steps[i+1:]); ok {
					out = append(out, r)
				}
			}
			return out, true
		}
	}
	return v, true
}

// contextValue resolves the compile-time part of a $Context path.
func contextValue(c *Context, f ctxField) (any, bool) {
	if c == nil {
		c = &Context{}
	}
	switch f {
	case ctxWhole:
		return map[string]any{
			"Execution": executionMap(&c.Execution),
			"Current":   currentMap(&c.Current),
		}, true
	case ctxExecution:
		return executionMap(&c.Execution), true
	case ctxExecutionName:
		return c.Execution.Name, true
	case ctxExecutionInput:
		return c.Execution.Input, true
	case ctxExecutionRoleArn:
		return c.Execution.RoleArn, true
	case ctxCurrent:
		return currentMap(&c.Current), true
	case ctxCurrentName:
		return c.Current.Name, true
	case ctxCurrentInput:
		return c.Current.Input, true
	case ctxCurrentOutput:
		return c.Current.Output, true
	case ctxCurrentError:
		if c.Current.Error == nil {
			return nil, false
		}
		return errorMap(c.Current.Error), true
	case ctxCurrentErrorCode:
		if c.Current.Error == nil {
			return nil, false
		}
		return c.Current.Error.Code, true
	case ctxCurrentErrorDetail:
		if c.Current.Error == nil {
			return nil, false
		}
		return c.Current.Error.Detail, true
	case ctxCurrentRetryCount:
		return int64(c.Current.RetryCount), true
	case ctxCurrentTaskToken:
		return c.Current.TaskToken, true
	case ctxFlowName:
		return c.FlowName, true
	case ctxStepEventID:
		return c.Current.EventID, true
	}
	return nil, false
}

func executionMap(e *ExecutionContext) map[string]any {
	return map[string]any{"Name": e.Name, "Input": e.Input, "RoleArn": e.RoleArn}
}

func currentMap(c *CurrentContext) map[string]any {
	m := map[string]any{
		"Name":       c.Name,
		"Input":      c.Input,
		"Output":     c.Output,
		"RetryCount": int64(c.RetryCount),
		"TaskToken":  c.TaskToken,
	}
	if c.Error != nil {
		m["Error"] = errorMap(c.Error)
	}
	return m
}

func errorMap(e *ErrorContext) map[string]any {
	return map[string]any{"Code": e.Code, "Detail": e.Detail}
}

// contextFields maps the leading member names of a $Context path to the
// field they select; a longer match wins.
var contextFields = map[string]ctxField{
	"Execution":            ctxExecution,
	"Execution.Name":       ctxExecutionName,
	"Execution.Input":      ctxExecutionInput,
	"Execution.RoleArn":    ctxExecutionRoleArn,
	"Current":              ctxCurrent,
	"Current.Name":         ctxCurrentName,
	"Current.Input":        ctxCurrentInput,
	"Current.Output":       ctxCurrentOutput,
	"Current.Error":        ctxCurrentError,
	"Current.Error.Code":   ctxCurrentErrorCode,
	"Current.Error.Detail": ctxCurrentErrorDetail,
	"Current.RetryCount":   ctxCurrentRetryCount,
	"Current.TaskToken":    ctxCurrentTaskToken,
}

// bindContext consumes the $Context fields at the start of steps. It returns
// the field, the steps left, and an error message for an unknown field.
func bindContext(steps []step) (ctxField, []step, string) {
	if len(steps) == 0 {
		return ctxWhole, nil, ""
	}
	f, n := ctxWhole, 0
	name := ""
	for i, s := range steps {
		if s.kind != stepKey || i >= 3 {
			break
		}
		next := s.key
		if name != "" {
			next = name + "." + s.key
		}
		g, ok := contextFields[next]
		if !ok {
			break
		}
		f, n, name = g, i+1, next
	}
	switch {
	case n == 0:
		return 0, nil, "unknown $Context field " + describeStep(steps[0])
	case n < len(steps) && (f == ctxExecution || f == ctxCurrent || f == ctxCurrentError):
		// A name below an object of the context that is not one of its fields.
		return 0, nil, "unknown $Context field " + describeStep(steps[n]) + " in $Context." + name
	}
	return f, steps[n:], ""
}

func describeStep(s step) string {
	switch s.kind {
	case stepIndex:
		return "[" + strconv.Itoa(s.index) + "]"
	case stepAll:
		return "[*]"
	}
	return strconv.Quote(s.key)
}

// pathText renders a path canonically: .name for identifiers, ["key"]
// otherwise, [n] for indexes.
func pathText(rootName string, steps []step) string {
	var b strings.Builder
	b.WriteString(rootName)
	for _, s := range steps {
		switch s.kind {
		case stepKey:
			if isIdent(s.key) {
				b.WriteByte('.')
				b.WriteString(s.key)
			} else {
				b.WriteByte('[')
				b.WriteString(strconv.Quote(s.key))
				b.WriteByte(']')
			}
		case stepIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case stepAll:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// legacyContextPaths are the $context paths of legacy mapping sources
// (decision 61), with the field each selects and the variable bits beyond
// VarContext it needs.
var legacyContextPaths = []struct {
	path  string
	field ctxField
	need  Var
}{
	{"flow.name", ctxFlowName, 0},
	{"execution.name", ctxExecutionName, 0},
	{"step.name", ctxCurrentName, VarStep},
	{"step.eventId", ctxStepEventID, VarStep},
	{"task.token", ctxCurrentTaskToken, VarTaskToken},
}

// LegacyContextPaths returns the $context paths legacy mapping sources may
// read, in documentation order.
func LegacyContextPaths() []string {
	out := make([]string, len(legacyContextPaths))
	for i, p := range legacyContextPaths {
		out[i] = "$context." + p.path
	}
	return out
}

// bindLegacyContext resolves a whole legacy $context path: it must be one of
// legacyContextPaths exactly, allowed where it is compiled.
func (c *compiler) bindLegacyContext(steps []step) (ctxField, string) {
	text := pathText("$context", steps)
	for _, p := range legacyContextPaths {
		if text != "$context."+p.path {
			continue
		}
		if p.need != 0 && c.opts.Vars&p.need == 0 {
			switch p.need {
			case VarTaskToken:
				return 0, text + " is only available in the inputMappings of a task whose pattern is waitForCallback"
			default:
				return 0, text + " is only available in the mappings of a step"
			}
		}
		return p.field, ""
	}
	return 0, "unsupported " + text + " (supported: " + strings.Join(LegacyContextPaths(), ", ") + ")"
}
