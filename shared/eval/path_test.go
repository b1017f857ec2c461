package eval

import (
	"errors"
	"reflect"
	"testing"
)

func mustCompile(t *testing.T, src string, opts Options) *Expr {
	t.Helper()
	x, err := Compile(src, opts)
	if err != nil {
		t.Fatalf("Compile(%q) error: %v", src, err)
	}
	return x
}

var allNew = Options{Vars: VarInput | VarOutput | VarContext | VarGlobal | VarItem}

func testEnv() *Env {
	return &Env{
		Input: map[string]any{
			"a":      map[string]any{"b": "deep"},
			"n":      int64(10),
			"f":      12.5,
			"s":      "ready",
			"t":      true,
			"z":      nil,
			"arr":    []any{int64(5), int64(6), map[string]any{"x": "in-array"}},
			"my key": "spaced",
			"order":  map[string]any{"id": "o-1", "items": []any{map[string]any{"sku": "A"}}},
		},
		Output: map[string]any{"output": map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "hello"}}}}},
		Global: map[string]any{"g": int64(1)},
		Item:   map[string]any{"id": int64(7)},
		Context: &Context{
			Execution: ExecutionContext{Name: "exec-1", Input: map[string]any{"k": "v"}, RoleArn: "acs:ram::1:role/r"},
			Current:   CurrentContext{Name: "StateA", Input: map[string]any{"i": int64(1)}, RetryCount: 2, TaskToken: "tok"},
		},
	}
}

func TestExpr_Eval_Paths(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want any
	}{
		{"member", "$Input.a.b", "deep"},
		{"whole input", "$Input.a", map[string]any{"b": "deep"}},
		{"index", "$Input.arr[1]", int64(6)},
		{"index then member", "$Input.arr[2].x", "in-array"},
		{"quoted key", `$Input["my key"]`, "spaced"},
		{"single quoted key", `$Input['my key']`, "spaced"},
		{"reference example", "$Output.output.choices[0].message.content", "hello"},
		{"null value", "$Input.z", nil},
		{"global", "$Global.g", int64(1)},
		{"item", "$Item.id", int64(7)},
		{"context execution name", "$Context.Execution.Name", "exec-1"},
		{"context execution input", "$Context.Execution.Input.k", "v"},
		{"context role", "$Context.Execution.RoleArn", "acs:ram::1:role/r"},
		{"context current name", "$Context.Current.Name", "StateA"},
		{"context current input", "$Context.Current.Input.i", int64(1)},
		{"context retry count", "$Context.Current.RetryCount", int64(2)},
		{"context task token", "$Context.Current.TaskToken", "tok"},
		{"context current output null", "$Context.Current.Output", nil},
		{"context current whole", "$Context.Current", map[string]any{
			"Name": "StateA", "Input": map[string]any{"i": int64(1)}, "Output": nil, "RetryCount": int64(2), "TaskToken": "tok"}},
		{"context whole", "$Context", map[string]any{
			"Execution": map[string]any{"Name": "exec-1", "Input": map[string]any{"k": "v"}, "RoleArn": "acs:ram::1:role/r"},
			"Current":   map[string]any{"Name": "StateA", "Input": map[string]any{"i": int64(1)}, "Output": nil, "RetryCount": int64(2), "TaskToken": "tok"}}},
		{"string literal", `"hi"`, "hi"},
		{"single quoted literal", `'hi'`, "hi"},
		{"backtick literal", "`hi`", "hi"},
		{"int literal", "12", int64(12)},
		{"negative literal", "-3", int64(-3)},
		{"float literal", "12.5", 12.5},
		{"true", "true", true},
		{"false", "false", false},
		{"null", "null", nil},
		{"array literal", `[1, "a", null]`, []any{int64(1), "a", nil}},
		{"object literal", `{"name": "Tom", "age": 3}`, map[string]any{"name": "Tom", "age": int64(3)}},
		{"array with path", `[$Input.n, $Item.id]`, []any{int64(10), int64(7)}},
		{"object with path", `{"v": $Input.s}`, map[string]any{"v": "ready"}},
	}
	env := testEnv()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := mustCompile(t, tc.src, allNew)
			got, err := x.Eval(env)
			if err != nil {
				t.Fatalf("Eval(%q) error: %v", tc.src, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Eval(%q) = %#v, want %#v", tc.src, got, tc.want)
			}
		})
	}
}

func TestExpr_Eval_ContextError(t *testing.T) {
	env := testEnv()
	env.Context.Current.Error = &ErrorContext{Code: "FC.Unknown", Detail: "boom"}
	for src, want := range map[string]any{
		"$Context.Current.Error.Code":   "FC.Unknown",
		"$Context.Current.Error.Detail": "boom",
		"$Context.Current.Error":        map[string]any{"Code": "FC.Unknown", "Detail": "boom"},
	} {
		got, err := mustCompile(t, src, allNew).Eval(env)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Eval(%q) = %#v, %v, want %#v", src, got, err, want)
		}
	}
	whole, err := mustCompile(t, "$Context.Current", allNew).Eval(env)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := whole.(map[string]any)["Error"]; !ok {
		t.Errorf("$Context.Current has no Error key although it is set: %v", whole)
	}
	noErr, _ := mustCompile(t, "$Context.Current", allNew).Eval(testEnv())
	if _, ok := noErr.(map[string]any)["Error"]; ok {
		t.Errorf("$Context.Current has an Error key although it is not set: %v", noErr)
	}
}

func TestExpr_Eval_MissingPath(t *testing.T) {
	for _, src := range []string{
		"$Input.nope", "$Input.a.b.c", "$Input.arr[9]", "$Input.arr.x", "$Input.a[0]",
		"$Context.Current.Error.Code", "$Context.Current.Error", `$Input["no such"]`, "[$Input.nope]",
	} {
		t.Run(src, func(t *testing.T) {
			_, err := mustCompile(t, src, allNew).Eval(testEnv())
			if !errors.Is(err, ErrMissingPath) || !errors.Is(err, ErrExpression) {
				t.Errorf("Eval(%q) error = %v, want ErrMissingPath and ErrExpression", src, err)
			}
		})
	}
}

func TestExpr_Eval_LiteralsAreFresh(t *testing.T) {
	x := mustCompile(t, `{"a": [1]}`, allNew)
	v1, _ := x.Eval(nil)
	v1.(map[string]any)["a"].([]any)[0] = "changed"
	v2, _ := x.Eval(nil)
	if want := map[string]any{"a": []any{int64(1)}}; !reflect.DeepEqual(v2, want) {
		t.Errorf("second Eval = %v, want %v (literal shared between evaluations)", v2, want)
	}
}

func TestExpr_Eval_Legacy(t *testing.T) {
	env := &Env{
		Input: map[string]any{"status": "ready", "name": "Ann"},
		Local: []any{map[string]any{"name": "a"}, map[string]any{"id": 1}, map[string]any{"name": "b"}},
		Context: &Context{
			FlowName:  "copy-files",
			Execution: ExecutionContext{Name: "run-7"},
			Current:   CurrentContext{Name: "listObjects", EventID: 42, TaskToken: "tok-1"},
		},
	}
	opts := Options{Vars: VarInput | VarLocal, Legacy: true}
	ctx := Options{Vars: VarInput | VarLocal | VarContext | VarStep | VarTaskToken, Legacy: true}
	tests := []struct {
		src  string
		opts Options
		want any
	}{
		{"$input.name", opts, "Ann"},
		{"$.name", opts, "Ann"},
		{"$", opts, map[string]any{"status": "ready", "name": "Ann"}},
		{"$local[*].name", opts, []any{"a", "b"}},
		{"$local[0].name", opts, "a"},
		{`$.status == "ready"`, Options{Vars: VarInput, Legacy: true, Condition: true}, true},
		{`$.status == "[*]"`, Options{Vars: VarInput, Legacy: true, Condition: true}, false},
		{"$context.flow.name", ctx, "copy-files"},
		{"$context.execution.name", ctx, "run-7"},
		{"$context.step.name", ctx, "listObjects"},
		{"$context.step.eventId", ctx, int64(42)},
		{"$context.task.token", ctx, "tok-1"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			got, err := mustCompile(t, tc.src, tc.opts).Eval(env)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Eval(%q) = %#v, %v, want %#v", tc.src, got, err, tc.want)
			}
		})
	}
}
