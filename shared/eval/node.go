package eval

import (
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// node is one compiled expression node.
type node interface {
	eval(env *Env) (any, error)
}

// constNode is a literal (or a folded constant). Arrays and objects are
// copied on every evaluation so callers never share a mutable value.
type constNode struct {
	v       any
	mutable bool
}

func (c *constNode) eval(*Env) (any, error) {
	if c.mutable {
		return deepCopy(c.v), nil
	}
	return c.v, nil
}

// arrayNode is an array literal with at least one computed element.
type arrayNode struct{ elems []node }

func (a *arrayNode) eval(env *Env) (any, error) {
	out := make([]any, len(a.elems))
	for i, e := range a.elems {
		v, err := e.eval(env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// objectNode is an object literal with at least one computed value.
type objectNode struct {
	keys []string
	vals []node
}

func (o *objectNode) eval(env *Env) (any, error) {
	out := make(map[string]any, len(o.keys))
	for i, k := range o.keys {
		v, err := o.vals[i].eval(env)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// cmpOp is a comparison operator.
type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var cmpOps = map[string]cmpOp{"==": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

// cmpNode is a comparison. A path operand that selects nothing makes the
// comparison false, except against the literal null, which tests presence.
type cmpNode struct {
	op           cmpOp
	left, right  node
	lnull, rnull bool // the operand is the literal null
}

// operand evaluates n; present is false for a path that selects nothing.
func operand(n node, env *Env) (v any, present bool, err error) {
	if p, ok := n.(*pathNode); ok {
		v, present = p.lookup(env)
		return v, present, nil
	}
	v, err = n.eval(env)
	return v, true, err
}

func (c *cmpNode) eval(env *Env) (any, error) {
	l, lok, err := operand(c.left, env)
	if err != nil {
		return nil, err
	}
	r, rok, err := operand(c.right, env)
	if err != nil {
		return nil, err
	}
	if c.lnull || c.rnull {
		other, ok := r, rok
		if c.rnull {
			other, ok = l, lok
		}
		switch c.op {
		case opEq:
			return !ok || other == nil, nil
		case opNe:
			return ok && other != nil, nil
		}
		return false, nil
	}
	if !lok || !rok {
		return false, nil
	}
	return compare(c.op, l, r), nil
}

// compare applies op to two present values (reference 5.4).
func compare(op cmpOp, l, r any) bool {
	switch op {
	case opEq:
		return value.Equal(l, r)
	case opNe:
		return !value.Equal(l, r)
	}
	var c int
	switch x := l.(type) {
	case string:
		y, ok := r.(string)
		if !ok {
			return false
		}
		c = strings.Compare(x, y)
	case int64:
		if y, ok := r.(int64); ok {
			c = cmpNum(x, y)
			break
		}
		g, ok := value.Number(r)
		if !ok {
			return false
		}
		c = cmpNum(float64(x), g)
	case float64:
		g, ok := value.Number(r)
		if !ok {
			return false
		}
		c = cmpNum(x, g)
	default:
		return false
	}
	switch op {
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	default:
		return c >= 0
	}
}

// cmpNum compares two numbers of one kind: -1, 0 or 1. NaN compares equal
// to everything.
func cmpNum[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// andNode, orNode and notNode are the boolean operators; operands must be
// booleans.
type andNode struct{ left, right node }
type orNode struct{ left, right node }
type notNode struct{ x node }

func boolOperand(n node, env *Env, op string) (bool, error) {
	v, err := n.eval(env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, errorf("operand of %s is %s, not a boolean", op, value.TypeName(v))
	}
	return b, nil
}

func (a *andNode) eval(env *Env) (any, error) {
	l, err := boolOperand(a.left, env, "&&")
	if err != nil || !l {
		return false, err
	}
	return boolOperand(a.right, env, "&&")
}

func (o *orNode) eval(env *Env) (any, error) {
	l, err := boolOperand(o.left, env, "||")
	if err != nil || l {
		return l, err
	}
	return boolOperand(o.right, env, "||")
}

func (n *notNode) eval(env *Env) (any, error) {
	b, err := boolOperand(n.x, env, "!")
	return !b, err
}

// deepCopy copies arrays and objects; other values are immutable.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, e := range t {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}
