package eval

import (
	"errors"
	"testing"
)

func TestClosest(t *testing.T) {
	names := []string{"OutputConstructor", "InputConstructor", "Next", "End"}
	tests := []struct {
		name, in, want string
	}{
		{"one letter dropped", "OutputConstrutor", "OutputConstructor"},
		{"letter case", "next", "Next"},
		{"transposition", "Nxet", "Next"},
		{"too far", "Parameters", ""},
		{"exact is no hint", "Next", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Closest(tc.in, names); got != tc.want {
				t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestCompile_PlainMessages checks the syntax messages a user reads: plain
// words instead of parser tokens, "did you mean", and the byte offset of
// the offending character.
func TestCompile_PlainMessages(t *testing.T) {
	newOpts := Options{Vars: VarInput | VarContext, Condition: true}
	tests := []struct {
		name, src string
		opts      Options
		msg       string
		pos       int
	}{
		{"unclosed call", `length($Input.a`, newOpts, `missing ")" to close "length("`, 15},
		{"unclosed group", `($Input.a == 1`, newOpts, `missing ")"`, 14},
		{"unclosed index", `$Input.a[0`, newOpts, `missing "]"`, 10},
		{"unclosed object", `{"a": 1`, newOpts, `missing "}"`, 7},
		{"missing operand", `$Input.a ==`, newOpts, "the expression ends too early: an operand is missing", 11},
		{"unterminated string", `$Input.a == "abc`, newOpts, `missing the closing " of the string that starts here`, 12},
		{"stray closer", `length($Input.a))`, newOpts, `unexpected ")": nothing to close here`, 16},
		{"missing comma", `format("a" "b")`, newOpts, `unexpected string "b": a comma or an operator is missing before it`, 11},
		{"single =", `$Input.a = 1`, newOpts, `unexpected "=": compare with ==`, 9},
		{"empty argument", `toArray(1,,2)`, newOpts, `unexpected ",": a value is missing`, 10},
		{"member name", `$Input.[`, newOpts, `missing a member name after "."`, 7},
		{"misspelt function", `length(lenght($Input.a))`, newOpts, "unknown function lenght; did you mean length?", 7},
		{"function letter case", `jsonmerge($Input, $Input)`, newOpts, "unknown function jsonmerge; did you mean jsonMerge?", 0},
		{"legacy root in new", `$input.x`, newOpts, "unknown variable $input; did you mean $Input?", 0},
		{"misspelt root", `$Inptu.x`, newOpts, "unknown variable $Inptu; did you mean $Input?", 0},
		{"new root in legacy", `$Input.x`, Options{Vars: VarInput, Legacy: true}, "unknown variable $Input; did you mean $input?", 0},
		{"no near name", `$Foo.x`, newOpts, "unknown variable $Foo", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.src, tc.opts)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) = %v, want a *SyntaxError", tc.src, err)
			}
			if se.Msg != tc.msg || se.Pos != tc.pos {
				t.Errorf("Compile(%q) = %q at %d, want %q at %d", tc.src, se.Msg, se.Pos, tc.msg, tc.pos)
			}
		})
	}
}

// TestCompileTemplate_EveryError: a constructor reports each bad entry, in
// key order, not only the first.
func TestCompileTemplate_EveryError(t *testing.T) {
	_, err := CompileTemplate(map[string]any{
		"a.$": "lenght($Input)",
		"b":   map[string]any{"c.$": "$Input.x ==", "ok.$": "$Input.y"},
		"d.$": 3,
	}, Options{Vars: VarInput})
	var es TemplateErrors
	if !errors.As(err, &es) {
		t.Fatalf("CompileTemplate error = %v, want TemplateErrors", err)
	}
	want := []string{"a.$", "b.c.$", "d.$"}
	if len(es) != len(want) {
		t.Fatalf("got %d errors, want %d: %v", len(es), len(want), err)
	}
	for i, p := range want {
		if es[i].Path != p {
			t.Errorf("error %d at %q, want %q", i, es[i].Path, p)
		}
	}
	var first *TemplateError
	if !errors.As(err, &first) || first.Path != "a.$" {
		t.Errorf("errors.As(*TemplateError) = %v, want the first error", first)
	}
}
