package flow

import (
	"errors"
	"strings"

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
	t, err := eval.CompileTemplate(v.(map[string]any), eval.Options{Vars: vars, Legacy: false})
	if err != nil {
		var te *eval.TemplateError
		if errors.As(err, &te) {
			p.add(join(path, te.Path), keyNode(n, te.Path), "%s", te.Msg)
		} else {
			p.add(path, n, "%v", err)
		}
		return nil
	}
	return t
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
	x, err := eval.Compile(s, opts)
	if err != nil {
		p.add(path, n, "invalid expression %q: %v", s, err)
		return nil
	}
	return x
}
