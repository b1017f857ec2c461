package eval

import (
	"errors"
	"strings"
	"testing"
)

func TestCompile_Errors(t *testing.T) {
	nested := func(n int) string {
		return strings.Repeat("toArray(", n) + strings.Repeat(")", n)
	}
	tests := []struct {
		name string
		src  string
		opts Options
		msg  string // a fragment of the message
		pos  int
	}{
		{"syntax", `$Input.(`, allNew, "", -1},
		{"unclosed string", `"abc`, allNew, "", -1},
		{"empty", ``, allNew, "empty", -1},
		{"blank", `   `, allNew, "empty", -1},
		{"unknown function", `nope(1)`, allNew, "unknown function nope", 0},
		{"expr builtin is unknown", `upper("a")`, allNew, "unknown function upper", 0},
		{"too few args", `intAdd(1)`, allNew, "intAdd takes 2", 0},
		{"too many args", `length(1, 2)`, allNew, "length takes 1", 0},
		{"uuid args", `uuid(1)`, allNew, "uuid takes 0", 0},
		{"format no args", `format()`, allNew, "at least 1", 0},
		{"plus", `$Input.n + 1`, allNew, "arithmetic", -1},
		{"minus", `intAdd($Input.n - 1, 1)`, allNew, "arithmetic", -1},
		{"times", `2 * 3`, allNew, "arithmetic", -1},
		{"unary minus path", `-$Input.n`, allNew, "arithmetic", -1},
		{"unknown variable", `$Foo.x`, allNew, "unknown variable $Foo", 0},
		{"bare name", `foo`, allNew, "unknown name foo", 0},
		{"output not allowed", `$Output.x`, Options{Vars: VarInput, Field: "InputConstructor"}, "$Output is not available in InputConstructor", 0},
		{"item not allowed in condition", `$Item.x == 1`, condOpts, "$Item is not available", 0},
		{"not allowed deep in call", `length($Global)`, Options{Vars: VarInput}, "$Global is not available", 7},
		{"legacy root in new", `$input.x`, allNew, "unknown variable $input", 0},
		{"new root in legacy", `$Input.x`, Options{Vars: VarInput, Legacy: true}, "unknown variable $Input", 0},
		{"legacy context outside mappings", `$context.flow.name`, Options{Vars: VarInput | VarLocal, Legacy: true}, "$context is only a mapping source", 0},
		{"legacy context unknown path", `$context.x`, Options{Vars: VarInput | VarContext, Legacy: true}, "unsupported $context.x (supported: $context.flow.name, $context.execution.name, $context.step.name, $context.step.eventId, $context.task.token)", 0},
		{"legacy context whole", `$context`, Options{Vars: VarInput | VarContext, Legacy: true}, "unsupported $context (supported:", 0},
		{"legacy context below a field", `$context.flow.name.x`, Options{Vars: VarInput | VarContext, Legacy: true}, "unsupported $context.flow.name.x", 0},
		{"legacy step outside a step", `$context.step.eventId`, Options{Vars: VarInput | VarContext, Legacy: true}, "only available in the mappings of a step", 0},
		{"legacy token outside callback", `$context.task.token`, Options{Vars: VarInput | VarContext | VarStep, Legacy: true}, "only available in the inputMappings of a task whose pattern is waitForCallback", 0},
		{"new context in legacy", `$Context.Execution.Name`, Options{Vars: VarInput | VarContext, Legacy: true}, "unknown variable $Context", 0},
		{"local not allowed", `$local.x`, Options{Vars: VarInput, Legacy: true}, "$local is not available", 0},
		{"wildcard in new", `$Input.a[*].b`, allNew, "", -1},
		{"comparison outside condition", `$Input.n == 1`, allNew, "only allowed in conditions", -1},
		{"and outside condition", `true && false`, allNew, "only allowed in conditions", -1},
		{"not outside condition", `!true`, allNew, "only allowed in conditions", -1},
		{"word operator", `true and false`, condOpts, "use && or ||", -1},
		{"in operator", `1 in [1]`, condOpts, "not part of the language", -1},
		{"ternary", `true ? 1 : 2`, allNew, "", -1},
		{"unknown context field", `$Context.Foo`, allNew, "unknown $Context field", -1},
		{"unknown context subfield", `$Context.Current.Nope`, allNew, "unknown $Context field", -1},
		{"method", `$Input.s.upper()`, allNew, "", -1},
		{"dynamic index", `$Input.arr[$Input.n]`, allNew, "index", -1},
		{"negative index", `$Input.arr[-1]`, allNew, "index", -1},
		{"slice", `$Input.arr[0:1]`, allNew, "slices", -1},
		{"optional chaining", `$Input?.a`, allNew, "", -1},
		{"bad constant regex", `regexMatchString("a", "(")`, allNew, "regular expression", 22},
		{"nesting 11", nested(11), allNew, "deeper than 10", -1},
		{"too long", `"` + strings.Repeat("a", MaxSourceLen) + `"`, allNew, "longer than", -1},
		{"pos in bytes", `"é" + 1`, allNew, "arithmetic", 5}, // byte offset of "+"
		{"null member", `null.x`, allNew, "", -1},
		{"duplicate object key", `{"a": 1, "a": 2}`, allNew, "duplicate", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := Compile(tc.src, tc.opts)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) = %v, %v, want a *SyntaxError", tc.src, x, err)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Compile(%q) message = %q, want it to contain %q", tc.src, se.Msg, tc.msg)
			}
			if tc.pos >= 0 && se.Pos != tc.pos {
				t.Errorf("Compile(%q) Pos = %d, want %d", tc.src, se.Pos, tc.pos)
			}
		})
	}
}

func TestCompile_Limits(t *testing.T) {
	nested := strings.Repeat("toArray(", MaxCallDepth) + strings.Repeat(")", MaxCallDepth)
	x, err := Compile(nested, allNew)
	if err != nil {
		t.Fatalf("Compile(%d nested calls) error: %v", MaxCallDepth, err)
	}
	v, err := x.Eval(nil)
	if err != nil {
		t.Fatal(err)
	}
	depth := 0
	for a, ok := v.([]any); ok; a, ok = a[0].([]any) {
		depth++
		if len(a) == 0 {
			break
		}
	}
	if depth != MaxCallDepth {
		t.Errorf("nested toArray depth = %d, want %d", depth, MaxCallDepth)
	}
	if _, err := Compile(strings.Repeat("[", 100)+strings.Repeat("]", 100), allNew); err == nil {
		t.Errorf("Compile(100 nested arrays) succeeded, want an error past MaxDepth %d", MaxDepth)
	}
}

func TestExpr_Source(t *testing.T) {
	src := ` $Input.a `
	if got := mustCompile(t, src, allNew).Source(); got != src {
		t.Errorf("Source() = %q, want %q", got, src)
	}
}
