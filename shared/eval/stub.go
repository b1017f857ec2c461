package eval

import "fmt"

// TODO(eval): this file is replaced by the real compiler and evaluator.

// Expr is one compiled expression.
type Expr struct{ src string }

// Compile compiles one expression (a path, literal, call, or with
// Options.Condition a condition). The error is a *SyntaxError.
func Compile(src string, opts Options) (*Expr, error) {
	return nil, &SyntaxError{Msg: "not implemented"}
}

// Source returns the text the expression was compiled from.
func (x *Expr) Source() string { return x.src }

// Eval evaluates the expression. Errors wrap ErrExpression.
func (x *Expr) Eval(env *Env) (any, error) {
	return nil, fmt.Errorf("%w: not implemented", ErrExpression)
}

// SyntaxError is a compile error of one expression.
type SyntaxError struct {
	Pos int // byte offset in the source, 0-based
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at offset %d: %s", e.Pos, e.Msg) }

// Template is a compiled constructor (InputConstructor, OutputConstructor,
// GlobalConstructor, ItemConstructor, Task Parameters).
type Template struct{}

// CompileTemplate compiles a constructor map decoded from YAML/JSON. The error
// is a *TemplateError naming the key path of the first bad entry.
func CompileTemplate(m map[string]any, opts Options) (*Template, error) {
	return nil, &TemplateError{Msg: "not implemented"}
}

// Eval builds the constructor's output. Errors wrap ErrExpression.
func (t *Template) Eval(env *Env) (map[string]any, error) {
	return nil, fmt.Errorf("%w: not implemented", ErrExpression)
}

// TemplateError locates a compile error inside a constructor.
type TemplateError struct {
	Path string // key path, e.g. "body.order.$"
	Msg  string
}

func (e *TemplateError) Error() string { return e.Path + ": " + e.Msg }
