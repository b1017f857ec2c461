package eval

import "testing"

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
