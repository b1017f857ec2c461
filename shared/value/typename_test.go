package value

import "testing"

func TestTypeName_Describe(t *testing.T) {
	tests := []struct {
		name           string
		v              any
		want, wantDesc string
	}{
		{name: "null", v: nil, want: "null", wantDesc: "null"},
		{name: "boolean", v: false, want: "boolean", wantDesc: "a boolean"},
		{name: "integer", v: int64(3), want: "number", wantDesc: "a number"},
		{name: "float", v: 2.5, want: "number", wantDesc: "a number"},
		{name: "Go int", v: 3, want: "number", wantDesc: "a number"},
		{name: "string", v: "x", want: "string", wantDesc: "a string"},
		{name: "array", v: []any{}, want: "array", wantDesc: "an array"},
		{name: "object", v: map[string]any{}, want: "object", wantDesc: "an object"},
		{name: "outside the model", v: []string{}, want: "[]string", wantDesc: "a []string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := TypeName(tc.v); got != tc.want {
				t.Errorf("TypeName(%#v) = %q, want %q", tc.v, got, tc.want)
			}
			if got := Describe(tc.v); got != tc.wantDesc {
				t.Errorf("Describe(%#v) = %q, want %q", tc.v, got, tc.wantDesc)
			}
		})
	}
}
