package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestTemplate_Eval(t *testing.T) {
	tests := []struct {
		name string
		tmpl map[string]any
		want map[string]any
	}{
		{"expression key", map[string]any{"orderId.$": "$Input.order.id"}, map[string]any{"orderId": "o-1"}},
		{"literal looks like path", map[string]any{"x": "$Input.x"}, map[string]any{"x": "$Input.x"}},
		{"whole object", map[string]any{"body.$": "$Input.a"}, map[string]any{"body": map[string]any{"b": "deep"}}},
		{"nested", map[string]any{"body": map[string]any{"order": map[string]any{"id.$": "$Input.order.id", "k": int64(1)}}},
			map[string]any{"body": map[string]any{"order": map[string]any{"id": "o-1", "k": int64(1)}}}},
		{"list of maps", map[string]any{"items": []any{map[string]any{"sku.$": "$Input.order.items[0].sku"}, "lit", int64(3)}},
			map[string]any{"items": []any{map[string]any{"sku": "A"}, "lit", int64(3)}}},
		{"yaml ints become int64", map[string]any{"n": 5, "f": float32(1.5), "l": []any{1, true, nil}},
			map[string]any{"n": int64(5), "f": 1.5, "l": []any{int64(1), true, nil}}},
		{"function", map[string]any{"m.$": `jsonMerge($Input.a, {"c": 1})`}, map[string]any{"m": map[string]any{"b": "deep", "c": int64(1)}}},
		{"literal and expression", map[string]any{"a": "x", "b.$": "$Item.id", "c": map[string]any{"d": []any{}}},
			map[string]any{"a": "x", "b": int64(7), "c": map[string]any{"d": []any{}}}},
		{"empty", map[string]any{}, map[string]any{}},
		{"context", map[string]any{"token.$": "$Context.Current.TaskToken", "retry.$": "$Context.Current.RetryCount"},
			map[string]any{"token": "tok", "retry": int64(2)}},
		{"five keys", map[string]any{"a.$": "$Input.s", "b.$": "$Input.n", "c.$": "$Global.g", "d": "lit", "e.$": "$Context.Execution.Name"},
			map[string]any{"a": "ready", "b": int64(10), "c": int64(1), "d": "lit", "e": "exec-1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := CompileTemplate(tc.tmpl, allNew)
			if err != nil {
				t.Fatalf("CompileTemplate(%v) error: %v", tc.tmpl, err)
			}
			got, err := tp.Eval(testEnv())
			if err != nil {
				t.Fatalf("Eval error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Eval() = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestTemplate_Eval_FreshLiterals(t *testing.T) {
	tp, err := CompileTemplate(map[string]any{"lit": map[string]any{"l": []any{int64(1)}}, "x.$": "$Input.n"}, allNew)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tp.Eval(testEnv())
	a["lit"].(map[string]any)["l"].([]any)[0] = "mutated"
	a["lit"].(map[string]any)["new"] = 1
	b, _ := tp.Eval(testEnv())
	if want := map[string]any{"l": []any{int64(1)}}; !reflect.DeepEqual(b["lit"], want) {
		t.Errorf("second Eval lit = %v, want %v", b["lit"], want)
	}
}

func TestTemplate_Eval_MissingPath(t *testing.T) {
	tp, err := CompileTemplate(map[string]any{"body": map[string]any{"x.$": "$Input.nope"}}, allNew)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tp.Eval(testEnv())
	if !errors.Is(err, ErrMissingPath) || !errors.Is(err, ErrExpression) {
		t.Fatalf("Eval error = %v, want ErrMissingPath", err)
	}
	if want := "body.x.$: $Input.nope: path not found"; err.Error() != want {
		t.Errorf("Eval error = %q, want %q", err.Error(), want)
	}
}

func TestCompileTemplate_Errors(t *testing.T) {
	tests := []struct {
		name     string
		tmpl     map[string]any
		opts     Options
		path     string
		isSyntax bool
	}{
		{"non-string value", map[string]any{"a.$": int64(1)}, allNew, "a.$", false},
		{"map value", map[string]any{"a.$": map[string]any{}}, allNew, "a.$", false},
		{"conflict", map[string]any{"a": 1, "a.$": "$Input"}, allNew, "a.$", false},
		{"nested conflict", map[string]any{"b": map[string]any{"a": 1, "a.$": "$Input"}}, allNew, "b.a.$", false},
		{"nested non-string", map[string]any{"b": []any{map[string]any{"c.$": true}}}, allNew, "b[0].c.$", false},
		{"bad syntax", map[string]any{"b": map[string]any{"c.$": "$Input.("}}, allNew, "b.c.$", true},
		{"unknown function", map[string]any{"c.$": "nope(1)"}, allNew, "c.$", true},
		{"var not allowed", map[string]any{"c.$": "$Output.x"}, Options{Vars: VarInput}, "c.$", true},
		{"empty expression", map[string]any{"c.$": ""}, allNew, "c.$", true},
		{"unsupported type", map[string]any{"c": struct{}{}}, allNew, "c", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompileTemplate(tc.tmpl, tc.opts)
			var te *TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("CompileTemplate error = %v, want *TemplateError", err)
			}
			if te.Path != tc.path {
				t.Errorf("TemplateError.Path = %q, want %q", te.Path, tc.path)
			}
			var se *SyntaxError
			if got := errors.As(err, &se); got != tc.isSyntax {
				t.Errorf("errors.As(*SyntaxError) = %v, want %v (err %v)", got, tc.isSyntax, err)
			}
		})
	}
}

func TestTemplate_Eval_Concurrent(t *testing.T) {
	tp, err := CompileTemplate(map[string]any{
		"lit": map[string]any{"l": []any{int64(1)}}, "id.$": "$Input.order.id", "f.$": `format("{}", $Input.n)`,
	}, allNew)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"lit": map[string]any{"l": []any{int64(1)}}, "id": "o-1", "f": "10"}
	done := make(chan error, 8)
	for range 8 {
		go func() {
			for range 200 {
				got, err := tp.Eval(testEnv())
				if err != nil || !reflect.DeepEqual(got, want) {
					done <- fmt.Errorf("Eval() = %v, %v, want %v", got, err, want)
					return
				}
				got["lit"].(map[string]any)["l"].([]any)[0] = "mutated"
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// jsonMemberSizer measures members with encoding/json (keys sorted by it).
type jsonMemberSizer struct{ calls int }

func (s *jsonMemberSizer) MemberSize(key string, v any) int {
	s.calls++
	b, err := json.Marshal(map[string]any{key: v})
	if err != nil {
		panic(err)
	}
	return len(b) - 2 // without the braces
}

func TestTemplate_EvalSized_MatchesEncoding(t *testing.T) {
	tests := []struct {
		name string
		tmpl map[string]any
	}{
		{"empty", map[string]any{}},
		{"one literal", map[string]any{"a": "x"}},
		{"expressions and nesting", map[string]any{"id.$": "$Input.order.id", "kind": "done", "body": map[string]any{"b.$": "$Input.a"}, "l": []any{int64(1), "two"}}},
		{"escaped key", map[string]any{"q\"k": int64(1), "n.$": "$Input.n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := CompileTemplate(tc.tmpl, allNew)
			if err != nil {
				t.Fatal(err)
			}
			ms := &jsonMemberSizer{}
			got, n, err := tp.EvalSized(testEnv(), ms)
			if err != nil {
				t.Fatal(err)
			}
			want, err := tp.Eval(testEnv())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("EvalSized = %v, want Eval's %v", got, want)
			}
			b, _ := json.Marshal(got)
			if n != len(b) {
				t.Errorf("size = %d, want len(%s) = %d", n, b, len(b))
			}
			if ms.calls != len(got) {
				t.Errorf("MemberSize calls = %d, want one per member (%d)", ms.calls, len(got))
			}
		})
	}
	var nilT *Template
	if m, n, err := nilT.EvalSized(nil, &jsonMemberSizer{}); err != nil || len(m) != 0 || n != 2 {
		t.Errorf("nil Template: %v, %d, %v; want {}, 2, nil", m, n, err)
	}
}

func TestTemplate_EvalSized_Error(t *testing.T) {
	tp, err := CompileTemplate(map[string]any{"x.$": "$Input.missing.deep"}, allNew)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tp.EvalSized(testEnv(), &jsonMemberSizer{}); !errors.Is(err, ErrExpression) {
		t.Errorf("error = %v, want ErrExpression", err)
	}
}
