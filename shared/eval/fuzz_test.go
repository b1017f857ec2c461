package eval

import (
	"errors"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

var fuzzSeeds = []string{
	`$Input.a.b`, `$Input.arr[0]`, `$Input["my key"]`, `$Context.Current.Error.Code`, `$Global`,
	`$Input.s == "ready" && !($Input.n < 3) || $Input.x == null`,
	"$Input.s == `x`", `'single'`, `[1, "a", {"k": null}]`, `-1.5e3`,
	`format("{} {}", $Input.a, length($Input.arr))`, `hash("abc", "SHA-512")`,
	`regexMatchString($Input.s, "^(a|b)*$")`, `jsonMerge(stringToJson("{}"), {"a": 1})`,
	`arrayUnique(toArray(1, 1, [1], [1]))`, `get(mapValues($Input), 0)`, `intAdd(1, 2.0)`,
	`$local[*].name`, `$.status != "x"`, `$Input.(`, `1 +`, `"\u00e9\x41"`, `$Input.a ?? 1`,
	`let x = 1; x`, `map($Input.arr, # > 1)`, `$env`, `#`, `1..3`,
}

// FuzzCompile checks that compiling never panics and that every failure is a
// *SyntaxError with an offset inside the source.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, src string, cond, legacy bool) {
		opts := Options{Vars: VarInput | VarOutput | VarContext | VarGlobal | VarItem | VarLocal, Condition: cond, Legacy: legacy}
		x, err := Compile(src, opts)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) error %T %v, want *SyntaxError", src, err, err)
			}
			if se.Pos < 0 || se.Pos > len(src) {
				t.Fatalf("Compile(%q) Pos = %d outside the source", src, se.Pos)
			}
			return
		}
		if x.Source() != src {
			t.Fatalf("Source() = %q, want %q", x.Source(), src)
		}
	})
}

// FuzzEval evaluates compiled expressions against fuzzed JSON input: no
// panic, every error wraps ErrExpression, conditions yield booleans, and
// results stay in the value model (they encode as JSON).
func FuzzEval(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, `{"a":{"b":1},"arr":[1,"x",null],"s":"ready","n":3}`, true)
		f.Add(s, `[]`, false)
	}
	f.Fuzz(func(t *testing.T, src, input string, cond bool) {
		in, err := value.Decode([]byte(input))
		if err != nil {
			return
		}
		opts := Options{Vars: VarInput | VarOutput | VarContext | VarGlobal | VarItem, Condition: cond}
		x, err := Compile(src, opts)
		if err != nil {
			return
		}
		env := &Env{Input: in, Output: in, Item: in, Global: map[string]any{"g": in},
			Context: &Context{Execution: ExecutionContext{Input: in}},
			Runtime: &Runtime{RandInt: func(lo, _ int64) int64 { return lo }, UUID: func() string { return "u" }}}
		v, err := x.Eval(env)
		if err != nil {
			if !errors.Is(err, ErrExpression) {
				t.Fatalf("Eval(%q) error %v does not wrap ErrExpression", src, err)
			}
			return
		}
		if _, ok := v.(bool); cond && !ok {
			t.Fatalf("condition %q = %#v, want a boolean", src, v)
		}
		if _, err := value.Encode(v); err != nil {
			t.Fatalf("Eval(%q) = %#v, not encodable: %v", src, v, err)
		}
	})
}
