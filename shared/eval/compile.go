package eval

import (
	"math"

	"github.com/expr-lang/expr/ast"
)

// roots of the new and the legacy language.
var (
	newRoots = map[string]struct {
		root root
		v    Var
	}{
		"$Input":   {rootInput, VarInput},
		"$Output":  {rootOutput, VarOutput},
		"$Context": {rootContext, VarContext},
		"$Global":  {rootGlobal, VarGlobal},
		"$Item":    {rootItem, VarItem},
	}
	legacyRoots = map[string]struct {
		root root
		v    Var
	}{
		"$input":   {rootInput, VarInput},
		"$":        {rootInput, VarInput},
		"$local":   {rootLocal, VarLocal},
		"$context": {rootContext, VarContext},
	}
)

func (c *compiler) compile(n ast.Node, depth, calls int) (node, *SyntaxError) {
	if depth > MaxDepth {
		return nil, c.errorf(n, "expression nests deeper than %d levels", MaxDepth)
	}
	switch t := n.(type) {
	case *ast.IdentifierNode:
		switch t.Value {
		case "null":
			return &constNode{}, nil
		}
		return c.path(n)
	case *ast.MemberNode:
		return c.path(n)
	case *ast.NilNode:
		return &constNode{}, nil
	case *ast.BoolNode:
		return &constNode{v: t.Value}, nil
	case *ast.IntegerNode:
		return &constNode{v: int64(t.Value)}, nil
	case *ast.FloatNode:
		return &constNode{v: t.Value}, nil
	case *ast.StringNode:
		return &constNode{v: t.Value}, nil
	case *ast.ArrayNode:
		elems := make([]node, len(t.Nodes))
		constant := true
		for i, e := range t.Nodes {
			x, err := c.compile(e, depth+1, calls)
			if err != nil {
				return nil, err
			}
			elems[i] = x
			_, ok := x.(*constNode)
			constant = constant && ok
		}
		if constant {
			a := make([]any, len(elems))
			for i, e := range elems {
				a[i] = e.(*constNode).v
			}
			return &constNode{v: a, mutable: true}, nil
		}
		return &arrayNode{elems: elems}, nil
	case *ast.MapNode:
		o := &objectNode{}
		constant := true
		seen := map[string]bool{}
		for _, p := range t.Pairs {
			pair := p.(*ast.PairNode)
			k, ok := pair.Key.(*ast.StringNode)
			if !ok {
				return nil, c.errorf(pair.Key, "object keys must be strings")
			}
			if seen[k.Value] {
				return nil, c.errorf(pair.Key, "duplicate object key %q", k.Value)
			}
			seen[k.Value] = true
			x, err := c.compile(pair.Value, depth+1, calls)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, k.Value)
			o.vals = append(o.vals, x)
			_, isConst := x.(*constNode)
			constant = constant && isConst
		}
		if constant {
			m := make(map[string]any, len(o.keys))
			for i, k := range o.keys {
				m[k] = o.vals[i].(*constNode).v
			}
			return &constNode{v: m, mutable: true}, nil
		}
		return o, nil
	case *ast.UnaryNode:
		return c.unary(t, depth, calls)
	case *ast.BinaryNode:
		return c.binary(t, depth, calls)
	case *ast.CallNode:
		id, ok := t.Callee.(*ast.IdentifierNode)
		if !ok {
			return nil, c.errorf(n, "methods are not part of the language")
		}
		return c.call(n, id.Value, t.Arguments, depth, calls)
	case *ast.BuiltinNode:
		return c.call(n, t.Name, t.Arguments, depth, calls)
	case *ast.ChainNode:
		return nil, c.errorf(n, "optional chaining (?.) is not part of the language")
	case *ast.SliceNode:
		return nil, c.errorf(n, "slices are not part of the language")
	case *ast.ConditionalNode:
		return nil, c.errorf(n, "conditional expressions are not part of the language")
	case *ast.BytesNode:
		return nil, c.errorf(n, "byte strings are not part of the language")
	}
	return nil, c.errorf(n, "unsupported syntax")
}

func (c *compiler) unary(t *ast.UnaryNode, depth, calls int) (node, *SyntaxError) {
	switch t.Operator {
	case "!":
		if !c.opts.Condition {
			return nil, c.errorf(t, "operator ! is only allowed in conditions")
		}
		x, err := c.compile(t.Node, depth+1, calls)
		if err != nil {
			return nil, err
		}
		return &notNode{x: x}, nil
	case "-", "+":
		// A signed number literal; anything else is arithmetic.
		switch v := t.Node.(type) {
		case *ast.IntegerNode:
			if t.Operator == "-" {
				return &constNode{v: -int64(v.Value)}, nil
			}
			return &constNode{v: int64(v.Value)}, nil
		case *ast.FloatNode:
			if t.Operator == "-" {
				return &constNode{v: -v.Value}, nil
			}
			return &constNode{v: v.Value}, nil
		}
		return nil, c.errorf(t, "arithmetic operators are not part of the language (use intAdd)")
	}
	return nil, c.errorf(t, "operator %s is not part of the language", t.Operator)
}

func (c *compiler) binary(t *ast.BinaryNode, depth, calls int) (node, *SyntaxError) {
	op := t.Operator
	_, isCmp := cmpOps[op]
	switch {
	case isCmp || op == "&&" || op == "||":
		if !c.opts.Condition {
			return nil, c.errorf(t, "operator %s is only allowed in conditions", op)
		}
	case op == "+" || op == "-" || op == "*" || op == "/" || op == "%" || op == "**" || op == "^":
		return nil, c.errorf(t, "arithmetic operators are not part of the language (use intAdd)")
	case op == "and" || op == "or":
		return nil, c.errorf(t, "operator %s is not part of the language (use && or ||)", op)
	default:
		return nil, c.errorf(t, "operator %s is not part of the language", op)
	}
	l, err := c.compile(t.Left, depth+1, calls)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(t.Right, depth+1, calls)
	if err != nil {
		return nil, err
	}
	switch op {
	case "&&":
		return &andNode{left: l, right: r}, nil
	case "||":
		return &orNode{left: l, right: r}, nil
	}
	return &cmpNode{op: cmpOps[op], left: l, right: r, lnull: isNullLit(t.Left), rnull: isNullLit(t.Right)}, nil
}

func isNullLit(n ast.Node) bool {
	switch t := n.(type) {
	case *ast.NilNode:
		return true
	case *ast.IdentifierNode:
		return t.Value == "null"
	}
	return false
}

// path compiles a chain of member accesses on a root variable.
func (c *compiler) path(n ast.Node) (node, *SyntaxError) {
	var rev []step
	cur := n
	for {
		m, ok := cur.(*ast.MemberNode)
		if !ok {
			break
		}
		if m.Optional {
			return nil, c.errorf(m, "optional chaining (?.) is not part of the language")
		}
		s, err := c.step(m.Property)
		if err != nil {
			return nil, err
		}
		rev = append(rev, s)
		cur = m.Node
	}
	id, ok := cur.(*ast.IdentifierNode)
	if !ok {
		return nil, c.errorf(cur, "a path must start with a variable such as $Input")
	}
	steps := make([]step, len(rev))
	for i, s := range rev {
		steps[len(rev)-1-i] = s
	}
	roots := newRoots
	if c.opts.Legacy {
		roots = legacyRoots
	}
	r, ok := roots[id.Value]
	if !ok {
		if id.Value == "null" {
			return nil, c.errorf(cur, "null has no members")
		}
		if len(id.Value) > 0 && id.Value[0] == '$' {
			return nil, c.errorf(cur, "unknown variable %s%s", id.Value, didYouMean(id.Value, rootNames(c.opts.Legacy)))
		}
		return nil, c.errorf(cur, "unknown name %s (variables start with $, strings are quoted)", id.Value)
	}
	if c.opts.Vars&r.v == 0 {
		if c.opts.Legacy && r.root == rootContext {
			return nil, c.errorf(cur, "$context is only a mapping source (inputMappings, outputMappings, errorMappings)")
		}
		return nil, c.errorf(cur, "%s is not available in %s", id.Value, c.field())
	}
	for _, s := range steps {
		if s.kind == stepAll && !c.opts.Legacy {
			return nil, c.errorf(n, "[*] is only part of the legacy language")
		}
	}
	p := &pathNode{root: r.root, src: pathText(id.Value, steps)}
	if r.root == rootContext && c.opts.Legacy {
		f, msg := c.bindLegacyContext(steps)
		if msg != "" {
			return nil, c.errorf(cur, "%s", msg)
		}
		p.ctx, steps = f, nil
	} else if r.root == rootContext {
		f, rest, msg := bindContext(steps)
		if msg != "" {
			return nil, c.errorf(n, "%s", msg)
		}
		p.ctx, steps = f, rest
	}
	p.steps = steps
	return p, nil
}

// step compiles the property of one member access.
func (c *compiler) step(prop ast.Node) (step, *SyntaxError) {
	switch t := prop.(type) {
	case *ast.StringNode:
		return step{kind: stepKey, key: t.Value}, nil
	case *ast.IntegerNode:
		if t.Value < 0 || int64(t.Value) > math.MaxInt32 {
			return step{}, c.errorf(prop, "array index %d is out of range", t.Value)
		}
		return step{kind: stepIndex, index: t.Value}, nil
	case *ast.IdentifierNode:
		if t.Value == "$" && c.wildcards[t.Location().From] {
			return step{kind: stepAll}, nil
		}
	case *ast.UnaryNode:
		return step{}, c.errorf(prop, "array index must be a non-negative integer")
	}
	return step{}, c.errorf(prop, "an index must be a number or a quoted string")
}
