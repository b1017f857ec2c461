package value

import (
	"errors"
	"testing"

	"go.yaml.in/yaml/v3"
)

// parseYAML returns the root node of src.
func parseYAML(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("yaml.Unmarshal(%q): %v", src, err)
	}
	return doc.Content[0]
}

func TestFromYAML(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want any
	}{
		{name: "scalars", src: `{n: null, t: true, s: hi, q: "1", d: 2024-01-01}`,
			want: map[string]any{"n": nil, "t": true, "s": "hi", "q": "1", "d": "2024-01-01"}},
		{name: "integers", src: `[7, -3, 1_000, 0x1F, 0o17, 9223372036854775807]`,
			want: []any{int64(7), int64(-3), int64(1000), int64(31), int64(15), int64(9223372036854775807)}},
		{name: "integer beyond int64", src: `18446744073709551615`, want: float64(18446744073709551615)},
		{name: "floats", src: `[1.5, 1.0, 1e3, 2.0e0]`, want: []any{1.5, 1.0, 1000.0, 2.0}},
		{name: "nested", src: "a:\n  - {b: [1, {c: x}]}\n", want: map[string]any{"a": []any{map[string]any{"b": []any{int64(1), map[string]any{"c": "x"}}}}}},
		{name: "JSON", src: `{"a": [1, 2.5, "x", false, null]}`, want: map[string]any{"a": []any{int64(1), 2.5, "x", false, nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromYAML(parseYAML(t, tc.src), 10)
			if err != nil || !Equal(got, tc.want) {
				t.Fatalf("FromYAML(%s) = %#v, %v; want %#v", tc.src, got, err, tc.want)
			}
			// Integral floats written with '.' or 'e' stay float64; integers are int64.
			if a, ok := got.([]any); ok && tc.name == "floats" {
				for i, e := range a {
					if _, ok := e.(float64); !ok {
						t.Errorf("FromYAML(%s)[%d] = %T, want float64", tc.src, i, e)
					}
				}
			}
		})
	}
}

func TestFromYAML_Errors(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantPath string
		wantLine int
		wantMsg  string
	}{
		{name: "NaN", src: "a:\n  - 1\n  - .nan\n", wantPath: "a[1]", wantLine: 3, wantMsg: `bad number ".nan" (JSON has no NaN or infinity)`},
		{name: "infinity", src: "x: -.inf", wantPath: "x", wantLine: 1, wantMsg: `bad number "-.inf" (JSON has no NaN or infinity)`},
		{name: "duplicate key", src: "a: 1\nb: {c: 1, c: 2}\n", wantPath: "b.c", wantLine: 2, wantMsg: `duplicate key "c"`},
		{name: "sequence key", src: "? [1]\n: x\n", wantPath: "", wantLine: 1, wantMsg: "keys must be strings"},
		{name: "merge key", src: "a:\n  <<: {b: 1}\n", wantPath: "a", wantLine: 2, wantMsg: "keys must be strings"},
		{name: "anchor", src: "a: &x 1\nb: *x\n", wantPath: "a", wantLine: 1, wantMsg: "anchors and aliases are not supported"},
		{name: "binary tag", src: "a: !!binary aGk=", wantPath: "a", wantLine: 1, wantMsg: "unsupported YAML tag !!binary"},
		{name: "custom tag", src: "a: !thing x", wantPath: "a", wantLine: 1, wantMsg: "unsupported YAML tag !thing"},
		{name: "int tag on a float", src: "a: !!int 3.5", wantPath: "a", wantLine: 1, wantMsg: `bad number "3.5"`},
		{name: "too deep", src: "[[[[1]]]]", wantPath: "[0][0][0]", wantLine: 1, wantMsg: "nested deeper than 2 levels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := FromYAML(parseYAML(t, tc.src), 2)
			var ye *YAMLError
			if !errors.As(err, &ye) {
				t.Fatalf("FromYAML(%q) = %#v, %v; want a *YAMLError", tc.src, v, err)
			}
			if ye.Path != tc.wantPath || ye.Node.Line != tc.wantLine || ye.Msg != tc.wantMsg {
				t.Errorf("FromYAML(%q) error = {%q, line %d, %q}, want {%q, line %d, %q}", tc.src, ye.Path, ye.Node.Line, ye.Msg, tc.wantPath, tc.wantLine, tc.wantMsg)
			}
		})
	}
}

func TestYAMLError_Under(t *testing.T) {
	tests := []struct{ path, prefix, want string }{
		{"", "States.A", "States.A"},
		{"a.b[2]", "States.A.Return", "States.A.Return.a.b[2]"},
		{"[1].x", "Input", "Input[1].x"},
		{"a", "", "a"},
	}
	for _, tc := range tests {
		if got := (&YAMLError{Path: tc.path}).Under(tc.prefix); got != tc.want {
			t.Errorf("YAMLError{Path: %q}.Under(%q) = %q, want %q", tc.path, tc.prefix, got, tc.want)
		}
	}
}
