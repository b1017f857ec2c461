package graph

import (
	"os"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

func benchGraph(b *testing.B, path string) *Graph {
	b.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	f, err := flow.Parse(src, flow.ParseOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return New(f)
}

// BenchmarkGraph_SVG lays out and renders the parallel_map case (a Parallel
// holding a Map, a Catch) as SVG.
func BenchmarkGraph_SVG(b *testing.B) {
	g := benchGraph(b, "testdata/parallel_map/flow.yaml")
	b.ReportAllocs()
	for b.Loop() {
		if len(g.SVG(Options{})) == 0 {
			b.Fatal("empty SVG")
		}
	}
}

// BenchmarkGraph_Mermaid renders the order case as Mermaid text.
func BenchmarkGraph_Mermaid(b *testing.B) {
	g := benchGraph(b, "testdata/order/flow.yaml")
	b.ReportAllocs()
	for b.Loop() {
		if g.Mermaid(Options{}) == "" {
			b.Fatal("empty chart")
		}
	}
}
