package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// maxTemplateDepth bounds the nesting of maps and lists in a constructor.
const maxTemplateDepth = 64

// Template is a compiled constructor (InputConstructor, OutputConstructor,
// GlobalConstructor, ItemConstructor, Task Parameters). It is immutable and
// safe for concurrent use.
type Template struct {
	root *tmap
}

// tnode builds one value of a constructor.
type tnode interface {
	build(env *Env) (any, error)
}

// tmap builds an object; each value is a literal, an expression or a nested
// template.
type tmap struct {
	keys []string
	vals []tnode
}

type tlist struct {
	elems []tnode
}

// texpr is the value of a ".$" key.
type texpr struct{ x *Expr }

func (t *tmap) build(env *Env) (any, error) { return t.object(env) }

func (t *tmap) object(env *Env) (map[string]any, error) {
	out := make(map[string]any, len(t.keys))
	for i, k := range t.keys {
		v, err := t.vals[i].build(env)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (t *tlist) build(env *Env) (any, error) {
	out := make([]any, len(t.elems))
	for i, e := range t.elems {
		v, err := e.build(env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// build evaluates the expression; Template.Eval recovers panics for it.
func (t *texpr) build(env *Env) (any, error) { return t.x.root.eval(env) }

// tconst is a literal subtree without expressions; a fresh copy is built for
// every evaluation.
type tconst struct{ constNode }

func (t *tconst) build(env *Env) (any, error) { return t.eval(env) }

// located wraps the error of the entry at path.
type located struct {
	path string
	tnode
}

func (p *located) build(env *Env) (any, error) {
	v, err := p.tnode.build(env)
	if err != nil {
		return nil, withPrefix(p.path, err)
	}
	return v, nil
}

// CompileTemplate compiles a constructor map decoded from YAML or JSON: values
// are maps, lists, strings, booleans, numbers and nil. A key ending in ".$"
// holds an expression (a string) and yields the key without the suffix; the
// rule applies at any depth, in nested maps and in maps inside lists. Every
// bad entry is reported (keys are visited in sorted order): a ".$" value
// that is not a string, a map holding both "x" and "x.$", an expression that
// does not compile (Err is then its *SyntaxError), or an unsupported value
// type. The error is the *TemplateError of the bad entry when there is one,
// and TemplateErrors (at most MaxTemplateErrors) when there are more.
func CompileTemplate(m map[string]any, opts Options) (t *Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, &TemplateError{Msg: fmt.Sprintf("internal compiler error: %v", r)}
		}
	}()
	c := &tcompiler{opts: opts}
	root := c.compileMap(m, "", 0)
	switch len(c.errs) {
	case 0:
		return &Template{root: root}, nil
	case 1:
		return nil, c.errs[0]
	}
	return nil, c.errs
}

// MaxTemplateErrors is how many errors CompileTemplate reports at most.
const MaxTemplateErrors = 50

// tcompiler compiles one constructor, collecting its errors.
type tcompiler struct {
	opts Options
	errs TemplateErrors
}

func (c *tcompiler) fail(e *TemplateError) {
	if len(c.errs) < MaxTemplateErrors {
		c.errs = append(c.errs, e)
	}
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// compileMap compiles m; entries in error are left out of the result.
func (c *tcompiler) compileMap(m map[string]any, prefix string, depth int) *tmap {
	t := &tmap{}
	if depth > maxTemplateDepth {
		c.fail(&TemplateError{Path: prefix, Msg: fmt.Sprintf("constructor nests deeper than %d levels", maxTemplateDepth)})
		return t
	}
	for _, k := range sortedKeys(m) {
		v := m[k]
		path := joinPath(prefix, k)
		if name, ok := strings.CutSuffix(k, ".$"); ok {
			if _, dup := m[name]; dup {
				c.fail(&TemplateError{Path: path, Msg: fmt.Sprintf("both %q and %q are set", name, k)})
				continue
			}
			src, ok := v.(string)
			if !ok {
				c.fail(&TemplateError{Path: path, Msg: fmt.Sprintf("the value of a .$ key must be an expression string, got %s", value.TypeName(v))})
				continue
			}
			x, err := Compile(src, c.opts)
			if err != nil {
				c.fail(&TemplateError{Path: path, Msg: err.Error(), Err: err})
				continue
			}
			t.keys = append(t.keys, name)
			t.vals = append(t.vals, &located{path: path, tnode: &texpr{x: x}})
			continue
		}
		if n := c.compileValue(v, path, depth+1); n != nil {
			t.keys = append(t.keys, k)
			t.vals = append(t.vals, n)
		}
	}
	return t
}

// compileValue compiles a value that is not under a ".$" key; it returns nil
// after reporting an error.
func (c *tcompiler) compileValue(v any, path string, depth int) tnode {
	switch t := v.(type) {
	case map[string]any:
		n := c.compileMap(t, path, depth)
		if lit, ok := n.literal(); ok {
			return &tconst{constNode{v: lit, mutable: true}}
		}
		return n
	case []any:
		if depth > maxTemplateDepth {
			c.fail(&TemplateError{Path: path, Msg: fmt.Sprintf("constructor nests deeper than %d levels", maxTemplateDepth)})
			return nil
		}
		l := &tlist{elems: make([]tnode, 0, len(t))}
		constant := true
		for i, e := range t {
			n := c.compileValue(e, path+"["+strconv.Itoa(i)+"]", depth+1)
			if n == nil {
				continue
			}
			l.elems = append(l.elems, n)
			_, ok := n.(*tconst)
			constant = constant && ok
		}
		if constant {
			a := make([]any, len(l.elems))
			for i, e := range l.elems {
				a[i] = e.(*tconst).v
			}
			return &tconst{constNode{v: a, mutable: true}}
		}
		return l
	}
	s, ok := scalar(v)
	if !ok {
		c.fail(&TemplateError{Path: path, Msg: "unsupported value type " + value.TypeName(v)})
		return nil
	}
	return &tconst{constNode{v: s}}
}

// literal reports the map's value when no entry holds an expression.
func (t *tmap) literal() (map[string]any, bool) {
	m := make(map[string]any, len(t.keys))
	for i, k := range t.keys {
		c, ok := t.vals[i].(*tconst)
		if !ok {
			return nil, false
		}
		m[k] = c.v
	}
	return m, true
}

// scalar converts a decoded scalar to the value model.
func scalar(v any) (any, bool) {
	switch t := v.(type) {
	case nil, bool, string, int64, float64:
		return v, true
	case int:
		return int64(t), true
	case int8:
		return int64(t), true
	case int16:
		return int64(t), true
	case int32:
		return int64(t), true
	case uint:
		return scalar(uint64(t))
	case uint8:
		return int64(t), true
	case uint16:
		return int64(t), true
	case uint32:
		return int64(t), true
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t), true
		}
		return float64(t), true
	case float32:
		return float64(t), true
	}
	return nil, false
}

// Eval builds the constructor's output: a fresh map on every call (literal
// parts are copied; values selected by paths may share arrays and objects with
// env). Errors wrap ErrExpression (and ErrMissingPath for a path that selects
// nothing) and name the key path.
func (t *Template) Eval(env *Env) (m map[string]any, err error) {
	if env == nil {
		env = &Env{}
	}
	if t == nil || t.root == nil {
		return map[string]any{}, nil
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errorf("constructor: internal error: %v", r)
		}
	}()
	return t.root.object(env)
}

// MemberSizer measures one member of an object being built: the length of
// `"key":value` in the caller's JSON encoding (see Template.EvalSized).
type MemberSizer interface {
	MemberSize(key string, v any) int
}

// EvalSized is Eval that also measures the result: n is the length of its
// compact JSON encoding, given the length of each member by ms (separators
// added here). A caller that bounds the size of constructor results saves a
// second walk over the new object; values under the top level are measured
// by ms as it sees fit.
func (t *Template) EvalSized(env *Env, ms MemberSizer) (m map[string]any, n int, err error) {
	if env == nil {
		env = &Env{}
	}
	if t == nil || t.root == nil {
		return map[string]any{}, len("{}"), nil
	}
	defer func() {
		if r := recover(); r != nil {
			m, n, err = nil, 0, errorf("constructor: internal error: %v", r)
		}
	}()
	return t.root.objectSized(env, ms)
}

func (t *tmap) objectSized(env *Env, ms MemberSizer) (map[string]any, int, error) {
	out := make(map[string]any, len(t.keys))
	n := len("{}") + max(len(t.keys)-1, 0) // braces and commas
	for i, k := range t.keys {
		v, err := t.vals[i].build(env)
		if err != nil {
			return nil, 0, err
		}
		out[k] = v
		n += ms.MemberSize(k, v)
	}
	return out, n, nil
}
