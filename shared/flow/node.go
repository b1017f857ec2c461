package flow

import (
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"
)

// field is one key/value pair of a YAML mapping.
type field struct {
	key  string
	kn   *yaml.Node
	val  *yaml.Node
	used bool
}

// mapping is a YAML mapping node with its fields in document order.
type mapping struct {
	node   *yaml.Node
	fields []field
}

// asMapping returns the fields of a mapping node. Duplicate keys are reported.
func (p *parser) asMapping(path string, n *yaml.Node) (*mapping, bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		p.add(path, n, "must be a mapping")
		return nil, false
	}
	m := &mapping{node: n, fields: make([]field, 0, len(n.Content)/2)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.add(path, k, "keys must be strings")
			continue
		}
		if m.get(k.Value) != nil {
			p.add(join(path, k.Value), k, "duplicate key %q", k.Value)
			continue
		}
		m.fields = append(m.fields, field{key: k.Value, kn: k, val: v})
	}
	return m, true
}

// get returns the value node of key and marks it used, or nil.
func (m *mapping) get(key string) *yaml.Node {
	for i := range m.fields {
		if m.fields[i].key == key {
			m.fields[i].used = true
			return m.fields[i].val
		}
	}
	return nil
}

// join appends a field name to a path.
func join(path, name string) string { return JoinPath(path, name) }

// str reads a string field; any non-null scalar is accepted as its text.
func (p *parser) str(path string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.add(path, n, "must be a string")
		return "", false
	}
	return n.Value, true
}

// integer reads an integer field (an integral float such as 3.0 is accepted).
func (p *parser) integer(path string, n *yaml.Node) (int64, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!int":
			var i int64
			if err := n.Decode(&i); err == nil {
				return i, true
			}
		case "!!float":
			var f float64
			if err := n.Decode(&f); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				return int64(f), true
			}
		}
	}
	p.add(path, n, "must be an integer")
	return 0, false
}

// number reads a numeric field.
func (p *parser) number(path string, n *yaml.Node) (float64, bool) {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, true
		}
	}
	p.add(path, n, "must be a number")
	return 0, false
}

// boolean reads a boolean field.
func (p *parser) boolean(path string, n *yaml.Node) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	p.add(path, n, "must be true or false")
	return false, false
}

// strList reads a list of strings.
func (p *parser) strList(path string, n *yaml.Node) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		p.add(path, n, "must be a list of strings")
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, e := range n.Content {
		s, good := p.str(fmt.Sprintf("%s[%d]", path, i), e)
		if !good {
			ok = false
			continue
		}
		out = append(out, s)
	}
	return out, ok
}
