package eval

import (
	"testing"

	"github.com/expr-lang/expr"
)

func benchEval(b *testing.B, src string, opts Options) {
	x, err := Compile(src, opts)
	if err != nil {
		b.Fatal(err)
	}
	env := testEnv()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpr_Eval_Path(b *testing.B) { benchEval(b, "$Input.a.b", allNew) }

func BenchmarkExpr_Eval_Condition(b *testing.B) {
	benchEval(b, `$Input.s == "ready" && $Input.n >= 5`, condOpts)
}

func BenchmarkExpr_Eval_Call(b *testing.B) { benchEval(b, `format("id-{}", $Input.order.id)`, allNew) }

func BenchmarkTemplate_Eval_FiveKeys(b *testing.B) {
	tp, err := CompileTemplate(map[string]any{
		"a.$": "$Input.s", "b.$": "$Input.n", "c.$": "$Global.g", "d": "lit", "e.$": "$Context.Execution.Name",
	}, allNew)
	if err != nil {
		b.Fatal(err)
	}
	env := testEnv()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tp.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile_Condition(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(`$Input.s == "ready" && $Input.n >= 5`, condOpts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExprLangVM_Condition runs the condition of
// BenchmarkExpr_Eval_Condition on expr-lang/expr's own checker and virtual
// machine, the alternative to this package's evaluator, for comparison.
func BenchmarkExprLangVM_Condition(b *testing.B) {
	env := map[string]any{"$Input": testEnv().Input}
	prog, err := expr.Compile(`$Input.s == "ready" && $Input.n >= 5`, expr.Env(env), expr.AsBool())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if v, err := expr.Run(prog, env); err != nil || v != true {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkExprLangVM_Path is BenchmarkExpr_Eval_Path on expr's machine.
func BenchmarkExprLangVM_Path(b *testing.B) {
	env := map[string]any{"$Input": testEnv().Input}
	prog, err := expr.Compile(`$Input.a.b`, expr.Env(env))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := expr.Run(prog, env); err != nil {
			b.Fatal(err)
		}
	}
}
