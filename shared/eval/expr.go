package eval

import (
	"fmt"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// Limits applied when compiling (reference 5.1 and the security notes of the
// package doc).
const (
	// MaxSourceLen is the longest expression source accepted, in bytes.
	MaxSourceLen = 10 << 10
	// MaxCallDepth is the deepest nesting of function calls.
	MaxCallDepth = 10
	// MaxDepth is the deepest nesting of any syntax (calls, literals,
	// operators, parentheses).
	MaxDepth = 64
	// maxNodes bounds the syntax tree the parser builds.
	maxNodes = 2000
)

// Expr is one compiled expression. It is immutable and safe for concurrent
// use.
type Expr struct {
	src  string
	root node
	cond bool
}

// Compile compiles one expression: a path, a literal, a function call, or
// with Options.Condition a condition (comparisons, !, &&, ||, parentheses).
// The error is a *SyntaxError: bad syntax, an unknown function or variable, a
// variable not in Options.Vars, a wrong argument count, an operator outside
// the language (arithmetic, or comparisons outside a condition), calls nested
// deeper than MaxCallDepth, or a source longer than MaxSourceLen.
func Compile(src string, opts Options) (x *Expr, err error) {
	if len(src) > MaxSourceLen {
		return nil, &SyntaxError{Pos: MaxSourceLen, Msg: fmt.Sprintf("expression is longer than %d bytes", MaxSourceLen)}
	}
	defer func() {
		if r := recover(); r != nil {
			x, err = nil, &SyntaxError{Msg: fmt.Sprintf("internal compiler error: %v", r)}
		}
	}()
	if isBlank(src) {
		return nil, &SyntaxError{Msg: "empty expression"}
	}
	c := &compiler{src: src, opts: opts}
	text := src
	if opts.Legacy {
		text, c.wildcards = markWildcards(src)
	}
	cfg := conf.CreateNew()
	cfg.MaxNodes = maxNodes
	tree, perr := parser.ParseWithConfig(text, cfg)
	if perr != nil {
		if fe, ok := perr.(*file.Error); ok {
			msg, pos := plainSyntax(src, fe.Message, c.offset(fe.From))
			return nil, &SyntaxError{Pos: pos, Msg: msg}
		}
		return nil, &SyntaxError{Msg: perr.Error()}
	}
	root, cerr := c.compile(tree.Node, 0, 0)
	if cerr != nil {
		return nil, cerr
	}
	return &Expr{src: src, root: root, cond: opts.Condition}, nil
}

func isBlank(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}

// Source returns the text the expression was compiled from.
func (x *Expr) Source() string { return x.src }

// Eval evaluates the expression. Errors wrap ErrExpression; a path that
// selects nothing (outside a comparison) also wraps ErrMissingPath. A
// condition whose value is not a boolean is an error. The result is in the
// shared/value model; it may share arrays and objects with env, which callers
// must treat as immutable.
func (x *Expr) Eval(env *Env) (v any, err error) {
	if env == nil {
		env = &Env{}
	}
	// A plain path is resolved directly (it cannot panic).
	if p, ok := x.root.(*pathNode); ok && !x.cond {
		return p.eval(env)
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, errorf("%s: internal error: %v", x.src, r)
		}
	}()
	v, err = x.root.eval(env)
	if err != nil {
		return nil, err
	}
	if x.cond {
		if _, ok := v.(bool); !ok {
			return nil, errorf("condition %s is %s, not a boolean", x.src, value.TypeName(v))
		}
	}
	return v, nil
}

// EvalBool evaluates a condition (or any expression) that must yield a
// boolean. Errors are those of Eval, plus a non-boolean result.
func (x *Expr) EvalBool(env *Env) (bool, error) {
	v, err := x.Eval(env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, errorf("%s is %s, not a boolean", x.src, value.TypeName(v))
	}
	return b, nil
}

// markWildcards rewrites the legacy "[*]" (outside string literals) as "[$]",
// which the parser accepts, and records the rune offsets of the "$" marks.
func markWildcards(src string) (string, map[int]bool) {
	var marks map[int]bool
	b := []byte(src)
	var quote byte
	runes := 0
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if ch < utf8.RuneSelf || utf8.RuneStart(ch) {
			runes++
		}
		switch {
		case quote != 0:
			if ch == '\\' && quote != '`' {
				i++
				if i < len(b) && (b[i] < utf8.RuneSelf || utf8.RuneStart(b[i])) {
					runes++
				}
			} else if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'' || ch == '`':
			quote = ch
		case ch == '[' && i+2 < len(b) && b[i+1] == '*' && b[i+2] == ']':
			b[i+1] = '$'
			if marks == nil {
				marks = map[int]bool{}
			}
			marks[runes] = true // rune offset of the '$' (runes counts '[')
		}
	}
	if marks == nil {
		return src, nil
	}
	return string(b), marks
}

// compiler turns the parser's syntax tree into nodes.
type compiler struct {
	src       string
	opts      Options
	wildcards map[int]bool
}

// offset converts a rune offset of the source into a byte offset.
func (c *compiler) offset(runeOff int) int {
	n := 0
	for i := range c.src {
		if n == runeOff {
			return i
		}
		n++
	}
	return len(c.src)
}

func (c *compiler) errorf(n ast.Node, format string, args ...any) *SyntaxError {
	pos := 0
	if n != nil {
		pos = c.offset(n.Location().From)
	}
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (c *compiler) field() string {
	if c.opts.Field == "" {
		return "this field"
	}
	return c.opts.Field
}
