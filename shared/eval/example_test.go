package eval_test

import (
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

func ExampleCompile() {
	cond, err := eval.Compile(`$Input.status == "ready" && length($Input.items) > 1`,
		eval.Options{Vars: eval.VarInput, Condition: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	ok, err := cond.EvalBool(&eval.Env{Input: map[string]any{"status": "ready", "items": []any{1, 2}}})
	fmt.Println(ok, err)
	// Output: true <nil>
}

func ExampleCompileTemplate() {
	t, err := eval.CompileTemplate(map[string]any{
		"orderId.$": "$Input.order.id",
		"literal":   "$Input.order.id",
	}, eval.Options{Vars: eval.VarInput, Field: "InputConstructor"})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := t.Eval(&eval.Env{Input: map[string]any{"order": map[string]any{"id": "o-1"}}})
	fmt.Println(out, err)
	// Output: map[literal:$Input.order.id orderId:o-1] <nil>
}
