package interp

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

func BenchmarkRun_PassChoicePass(b *testing.B) {
	src := header + `StartAt: A
States:
  - {Name: A, Type: Pass, Next: C}
  - Name: C
    Type: Choice
    Branches:
      - {Condition: $Input.kind == "bulk", Next: B}
    Default: B
  - {Name: B, Type: Pass, OutputConstructor: {id.$: $Input.id, kind: done}, End: true}
`
	f := mustParse(b, flow.Standard, src)
	e := New(Options{})
	ex := Execution{Name: "bench", Input: []byte(`{"id":"o-1","kind":"bulk","count":3}`)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res := e.Run(ctx, f, ex)
		if res.Status != Succeeded {
			b.Fatalf("Run = %+v", res)
		}
	}
}

func BenchmarkRun_Map1000(b *testing.B) {
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"i":%d}`, i)
	}
	src := header + `StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.xs
    Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}
    End: true
`
	f := mustParse(b, flow.Standard, src)
	e := New(Options{})
	ex := Execution{Name: "bench", Input: []byte(`{"xs":[` + strings.Join(items, ",") + `]}`)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res := e.Run(ctx, f, ex)
		if res.Status != Succeeded {
			b.Fatalf("Run = %+v", res)
		}
	}
}
