package flow

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// legacyMappings compiles a mapping list [{target, source}] into a template
// whose keys are the targets; vars are the variables its sources may read
// (legacyFlowMapVars and more). nil node means absent.
func (p *parser) legacyMappings(path string, n *yaml.Node, vars eval.Var) *eval.Template {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(path, n, "must be a list of {target, source}")
		return nil
	}
	tmpl := make(map[string]any, len(n.Content))
	ok := true
	for i, e := range n.Content {
		ep := fmt.Sprintf("%s[%d]", path, i)
		em, good := p.asMapping(ep, e)
		if !good {
			ok = false
			continue
		}
		tn, sn := em.get("target"), em.get("source")
		p.unknown(ep, "a mapping", em)
		if tn == nil || sn == nil {
			p.add(ep, e, "a mapping needs target and source")
			ok = false
			continue
		}
		target, good := p.str(ep+".target", tn)
		if !good {
			ok = false
			continue
		}
		if target == "" || strings.HasSuffix(target, ".$") {
			p.add(ep+".target", tn, "target %q is not a valid key", target)
			ok = false
			continue
		}
		if _, dup := tmpl[target]; dup {
			p.add(ep+".target", tn, "duplicate target %q", target)
			ok = false
			continue
		}
		if _, dup := tmpl[target+".$"]; dup {
			p.add(ep+".target", tn, "duplicate target %q", target)
			ok = false
			continue
		}
		if sn.Kind == yaml.ScalarNode && sn.ShortTag() == "!!str" && strings.HasPrefix(strings.TrimSpace(sn.Value), "$") {
			src := strings.TrimSpace(sn.Value)
			if !p.legacySource(ep+".source", sn, src, "$input", "$local", "$context") {
				ok = false
				continue
			}
			if _, err := eval.Compile(src, eval.Options{Vars: vars, Legacy: true}); err != nil {
				p.exprError(ep+".source", sn, "source", src, err)
				ok = false
				continue
			}
			tmpl[target+".$"] = src
			continue
		}
		v, err := value.FromYAML(sn, MaxDepth)
		if err != nil {
			p.add(ep+".source", sn, "%v", err)
			ok = false
			continue
		}
		if hasExprKey(v) {
			p.add(ep+".source", sn, "a constant source must not have keys ending in .$")
			ok = false
			continue
		}
		tmpl[target] = v
	}
	if !ok {
		return nil
	}
	t, err := eval.CompileTemplate(tmpl, eval.Options{Vars: vars, Legacy: true})
	if err != nil {
		p.add(path, n, "%v", err)
		return nil
	}
	return t
}

// hasExprKey reports whether a constant holds a key that a template would
// read as an expression.
func hasExprKey(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.HasSuffix(k, ".$") || hasExprKey(x) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if hasExprKey(x) {
				return true
			}
		}
	}
	return false
}

// legacySource checks that an expression source starts with one of roots;
// $context is a root of mapping sources only (decision 61).
func (p *parser) legacySource(path string, n *yaml.Node, src string, roots ...string) bool {
	if hasRoot(src, "$context") && !contains(roots, "$context") {
		p.add(path, n, "%q: $context is only a mapping source (inputMappings, outputMappings, errorMappings)", src)
		return false
	}
	for _, r := range roots {
		if hasRoot(src, r) {
			return true
		}
	}
	p.add(path, n, "%q must start with %s", src, strings.Join(roots, " or "))
	return false
}

// hasRoot reports whether src is the path root r or starts with r followed
// by a member access.
func hasRoot(src, r string) bool {
	if !strings.HasPrefix(src, r) {
		return false
	}
	rest := src[len(r):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}
