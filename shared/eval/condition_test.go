package eval

import (
	"errors"
	"testing"
)

var condOpts = Options{Vars: VarInput | VarContext | VarGlobal, Condition: true}

func TestExpr_Eval_Condition(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want bool
	}{
		{"string eq", `$Input.s == "ready"`, true},
		{"no spaces", `$Input.s=="ready"`, true},
		{"single quotes", `$Input.s == 'ready'`, true},
		{"backticks", "$Input.s == `ready`", true},
		{"string ne", `$Input.s != "ready"`, false},
		{"int eq float", `$Input.n == 10.0`, true},
		{"int lt", `$Input.n < 11`, true},
		{"int le", `$Input.n <= 10`, true},
		{"int gt", `$Input.n > 10`, false},
		{"int ge", `$Input.n >= 10`, true},
		{"float vs int", `$Input.f > 12`, true},
		{"string order", `"abc" < "abd"`, true},
		{"string byte order", `"Z" < "a"`, true},
		{"string ge", `$Input.s >= "ready"`, true},
		{"mixed types lt false", `$Input.s < 5`, false},
		{"mixed types gt false", `$Input.s > 5`, false},
		{"bool order false", `true > false`, false},
		{"mixed types eq false", `$Input.n == "10"`, false},
		{"mixed types ne true", `$Input.n != "10"`, true},
		{"bool eq", `$Input.t == true`, true},
		{"deep eq array", `$Input.arr == [5, 6, {"x": "in-array"}]`, true},
		{"deep eq object", `$Input.a == {"b": "deep"}`, true},
		{"deep ne object", `$Input.a != {"b": "other"}`, true},
		{"and", `$Input.n == 10 && $Input.s == "ready"`, true},
		{"and false", `$Input.n == 10 && $Input.s == "x"`, false},
		{"or", `$Input.n == 1 || $Input.s == "ready"`, true},
		{"or false", `$Input.n == 1 || $Input.s == "x"`, false},
		{"not", `!($Input.n == 1)`, true},
		{"not path", `!$Input.t`, false},
		{"double not", `!!$Input.t`, true},
		{"and binds tighter than or", `true || false && false`, true},
		{"and binds tighter than or 2", `false && false || true`, true},
		{"parentheses", `(true || false) && false`, false},
		{"not binds tighter than and", `!false && false`, false},
		{"bool path", `$Input.t`, true},
		{"literal true", `true`, true},
		{"context", `$Context.Current.RetryCount >= 2`, true},
		{"global", `$Global.g == 1`, true},
		{"function call", `length($Input.arr) == 3`, true},
		{"function bool", `regexMatchString($Input.s, "^re")`, true},
		{"missing eq false", `$Input.nope == 1`, false},
		{"missing ne false", `$Input.nope != 1`, false},
		{"missing lt false", `$Input.nope < 1`, false},
		{"missing both false", `$Input.nope == $Input.nope2`, false},
		{"missing eq null true", `$Input.nope == null`, true},
		{"null eq missing true", `null == $Input.nope`, true},
		{"missing ne null false", `$Input.nope != null`, false},
		{"null value eq null", `$Input.z == null`, true},
		{"null value ne null", `$Input.z != null`, false},
		{"present ne null", `$Input.n != null`, true},
		{"present eq null", `$Input.n == null`, false},
		{"missing under not", `!($Input.nope == 1)`, true},
		{"missing in or", `$Input.nope == 1 || $Input.n == 10`, true},
		{"null lt", `$Input.z < 1`, false},
	}
	env := testEnv()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := mustCompile(t, tc.src, condOpts)
			got, err := x.EvalBool(env)
			if err != nil {
				t.Fatalf("Eval(%q) error: %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("Eval(%q) = %v, want %v", tc.src, got, tc.want)
			}
			v, err := x.Eval(env)
			if err != nil || v != any(tc.want) {
				t.Errorf("Eval(%q) = %v, %v, want %v", tc.src, v, err, tc.want)
			}
		})
	}
}

func TestExpr_Eval_ConditionErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		missing bool
	}{
		{"string result", `$Input.s`, false},
		{"number result", `$Input.n`, false},
		{"missing bare path", `$Input.nope`, true},
		{"non-bool and operand", `$Input.s && true`, false},
		{"non-bool not operand", `!$Input.n`, false},
		{"missing function argument", `length($Input.nope) > 1`, true},
		{"bad function argument", `intAdd($Input.s, 1) > 1`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mustCompile(t, tc.src, condOpts).Eval(testEnv())
			if !errors.Is(err, ErrExpression) {
				t.Fatalf("Eval(%q) error = %v, want ErrExpression", tc.src, err)
			}
			if got := errors.Is(err, ErrMissingPath); got != tc.missing {
				t.Errorf("Eval(%q) error %v: ErrMissingPath = %v, want %v", tc.src, err, got, tc.missing)
			}
		})
	}
}
