package flow

import (
	"errors"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// template compiles a constructor; nil node means absent.
func (p *parser) template(path string, n *yaml.Node, vars eval.Var) *eval.Template {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.add(path, n, "must be a mapping")
		return nil
	}
	v, err := value.FromYAML(n, MaxDepth)
	if err != nil {
		p.add(path, n, "%v", err)
		return nil
	}
	t, err := eval.CompileTemplate(v.(map[string]any), eval.Options{Vars: vars, Legacy: false, Field: fieldName(path)})
	if err != nil {
		p.templateErrors(path, n, err)
		return nil
	}
	return t
}

// templateErrors reports every error of a constructor's compilation, each
// located at its entry: inside the expression for a syntax error.
func (p *parser) templateErrors(path string, n *yaml.Node, err error) {
	var list eval.TemplateErrors
	var one *eval.TemplateError
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = eval.TemplateErrors{one}
	default:
		p.add(path, n, "%v", err)
		return
	}
	for _, te := range list {
		kn := keyNode(n, te.Path)
		var se *eval.SyntaxError
		if vn := valueNode(n, kn); vn != nil && errors.As(te.Err, &se) {
			p.exprError(join(path, te.Path), vn, "expression", vn.Value, te.Err)
			continue
		}
		p.add(join(path, te.Path), kn, "%s", te.Msg)
	}
}

// valueNode returns the value node of key node kn inside the constructor
// n, or nil.
func valueNode(root, kn *yaml.Node) *yaml.Node {
	var found *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i := 0; found == nil && i < len(n.Content); i++ {
			if n.Kind == yaml.MappingNode && i%2 == 0 && n.Content[i] == kn && i+1 < len(n.Content) {
				found = n.Content[i+1]
				return
			}
			walk(n.Content[i])
		}
	}
	walk(root)
	return found
}

// exprError reports the compile error err of the expression src, written
// in the scalar n (src is n's text, possibly trimmed). A syntax error is
// located at its character when n is written on one line; what names the
// field kind ("expression", "condition", "source", ...).
func (p *parser) exprError(path string, n *yaml.Node, what, src string, err error) {
	var se *eval.SyntaxError
	if !errors.As(err, &se) {
		p.add(path, n, "invalid %s %q: %v", what, src, err)
		return
	}
	line, col := n.Line, n.Column
	if off := strings.Index(n.Value, src); off >= 0 && se.Pos >= 0 && se.Pos <= len(src) {
		before := n.Value[:off+se.Pos]
		switch n.Style {
		case 0, yaml.TaggedStyle, yaml.FlowStyle:
			if !strings.Contains(before, "\n") {
				col += utf8.RuneCountInString(before)
			}
		case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
			if !strings.Contains(before, "\n") && !strings.ContainsAny(before, "\\'") {
				col += 1 + utf8.RuneCountInString(before)
			}
		}
	}
	p.addAt(path, line, col, "invalid %s %q: %s", what, src, se.Msg)
}

// fieldName returns the field a path ends in, e.g. "OutputConstructor" for
// "States[0](A).Catch[1].OutputConstructor".
func fieldName(path string) string {
	name := path[strings.LastIndex(path, ".")+1:]
	if name == "$" { // Seconds.$, Timeout.$
		rest := strings.TrimSuffix(path, ".$")
		name = rest[strings.LastIndex(rest, ".")+1:] + ".$"
	}
	return name
}

// keyNode finds the node of a dotted key path inside a constructor, falling
// back to the constructor itself.
func keyNode(n *yaml.Node, keyPath string) *yaml.Node {
	cur := n
	rest := keyPath
	for rest != "" && cur.Kind == yaml.MappingNode {
		found := false
		for i := 0; i+1 < len(cur.Content); i += 2 {
			k := cur.Content[i].Value
			if rest == k || strings.HasPrefix(rest, k+".") {
				if rest == k {
					return cur.Content[i]
				}
				rest = rest[len(k)+1:]
				cur = cur.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return cur
}

// expr compiles one expression field.
func (p *parser) expr(path string, n *yaml.Node, opts eval.Options) *eval.Expr {
	// An expression is YAML text: a number or boolean such as Seconds.$: 5
	// or Condition: true is not one, although its scalar would compile.
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		p.add(path, n, "must be a string (an expression)")
		return nil
	}
	s := n.Value
	if opts.Field == "" {
		opts.Field = fieldName(path)
	}
	x, err := eval.Compile(s, opts)
	if err != nil {
		what := "expression"
		if opts.Condition {
			what = "condition"
		}
		p.exprError(path, n, what, s, err)
		return nil
	}
	return x
}
