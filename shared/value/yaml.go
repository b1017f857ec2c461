package value

import (
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAMLError is a YAML node FromYAML cannot convert.
type YAMLError struct {
	// Path locates Node below the converted node, as "a.b[2]"; empty for the node itself.
	Path string
	Node *yaml.Node // the offending node, for its Line and Column
	Msg  string
}

// Under returns Path as seen from a parent whose own path is prefix: "prefix.a.b[2]",
// "prefix[0]", or prefix itself when Path is empty.
func (e *YAMLError) Under(prefix string) string {
	switch {
	case e.Path == "":
		return prefix
	case prefix == "" || strings.HasPrefix(e.Path, "["):
		return prefix + e.Path
	}
	return prefix + "." + e.Path
}

func (e *YAMLError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// FromYAML converts a YAML node to the value model, the one conversion used
// for flow definitions (constructors, legacy mappings) and mock files. The
// rules follow JSON:
//
//   - mappings become map[string]any; keys must be scalars (their text is
//     the key), distinct, and not the merge key <<;
//   - sequences become []any, nested at most maxDepth levels below n;
//   - null, booleans and strings map to themselves (a timestamp stays its
//     text); integers (1_000, 0x1F, 0o17 included) become int64, or float64
//     beyond its range; floats become float64, or int64 when integral,
//     below 2^53 and written without '.', 'e' or 'E'; NaN and infinities are
//     refused;
//   - anchors, aliases and other tags (!!binary, custom tags) are refused.
//
// The error is a *YAMLError locating the first problem.
func FromYAML(n *yaml.Node, maxDepth int) (any, error) {
	c := yamlConverter{maxDepth: maxDepth}
	return c.convert(n, "", 0)
}

type yamlConverter struct{ maxDepth int }

func (c yamlConverter) fail(n *yaml.Node, path, format string, args ...any) error {
	return &YAMLError{Path: path, Node: n, Msg: fmt.Sprintf(format, args...)}
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (c yamlConverter) convert(n *yaml.Node, path string, depth int) (any, error) {
	if depth > c.maxDepth {
		return nil, c.fail(n, path, "nested deeper than %d levels", c.maxDepth)
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return nil, c.fail(n, path, "anchors and aliases are not supported")
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return nil, c.fail(k, path, "keys must be strings")
			}
			kp := joinKey(path, k.Value)
			if _, dup := m[k.Value]; dup {
				return nil, c.fail(k, kp, "duplicate key %q", k.Value)
			}
			x, err := c.convert(v, kp, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = x
		}
		return m, nil
	case yaml.SequenceNode:
		a := make([]any, len(n.Content))
		for i, e := range n.Content {
			x, err := c.convert(e, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if err != nil {
				return nil, err
			}
			a[i] = x
		}
		return a, nil
	case yaml.ScalarNode:
		return c.scalar(n, path)
	}
	return nil, c.fail(n, path, "unsupported YAML node")
}

func (c yamlConverter) scalar(n *yaml.Node, path string) (any, error) {
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return nil, nil
	case "!!str", "!!timestamp":
		return n.Value, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, c.fail(n, path, "bad boolean %q", n.Value)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, c.fail(n, path, "bad number %q", n.Value)
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, c.fail(n, path, "bad number %q (JSON has no NaN or infinity)", n.Value)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 && !strings.ContainsAny(n.Value, ".eE") {
			return int64(f), nil
		}
		return f, nil
	default:
		return nil, c.fail(n, path, "unsupported YAML tag %s", tag)
	}
}
