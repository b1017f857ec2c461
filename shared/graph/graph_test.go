package graph

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// parseFile parses a flow file of testdata.
func parseFile(t *testing.T, path string) *flow.Flow {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := flow.Parse(src, flow.ParseOptions{})
	if err != nil {
		t.Fatalf("flow.Parse(%s) = %v", path, err)
	}
	return f
}

// TestGraph_Golden compares the Mermaid and DOT renderings of every case in
// testdata with want.mmd and want.dot (go test -update rewrites them).
func TestGraph_Golden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/flow.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			g := New(parseFile(t, path))
			for file, got := range map[string]string{"want.mmd": g.Mermaid(Options{}), "want.dot": g.DOT(Options{})} {
				want := filepath.Join(dir, file)
				if *update {
					if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				b, err := os.ReadFile(want)
				if err != nil {
					t.Fatal(err)
				}
				if got != string(b) {
					t.Errorf("%s differs; got:\n%s", want, got)
				}
			}
		})
	}
}

func TestNew_Paths(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"linear", []string{"Prepare", "Pause", "Done"}},
		{"parallel_map", []string{"Fork", "Fork/Branches[0]/Ship", "Fork/Branches[0]/Notify", "Fork/Branches[1]/Each",
			"Fork/Branches[1]/Each/Processor/Resize", "Cleanup", "Done"}},
		{"legacy", []string{"route", "route/Choices[0]/ready", "route/Default/other", "each", "each/Processor/one", "after"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := New(parseFile(t, filepath.Join("testdata", tc.name, "flow.yaml")))
			var got []string
			g.Walk(func(n *Node) { got = append(got, n.ID) })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("paths = %q, want %q", got, tc.want)
			}
			for _, id := range tc.want {
				if g.Node(id) == nil || g.Node(id).ID != id {
					t.Errorf("Node(%q) not found", id)
				}
			}
		})
	}
}

func TestNew_Edges(t *testing.T) {
	g := New(parseFile(t, "testdata/order/flow.yaml"))
	var got []Edge
	for _, e := range g.Root.Edges {
		got = append(got, *e)
	}
	want := []Edge{
		{"Check", "Review", KindChoice, "$Input.total > 100"},
		{"Check", "Check", KindChoice, `$Input.status == "retry"`},
		{"Check", "Charge", KindDefault, "Default"},
		{"Review", "Charge", KindNext, ""},
		{"Charge", "Done", KindNext, ""},
		{"Charge", "Refused", KindCatch, "Payment.Declined, Payment.Expired"},
		{"Charge", "Check", KindCatch, "FnF.ALL"},
	}
	key := func(es []Edge) func(i, j int) bool {
		return func(i, j int) bool { return es[i].From+es[i].To+es[i].Label < es[j].From+es[j].To+es[j].Label }
	}
	sort.Slice(got, key(got))
	sort.Slice(want, key(want))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("edges = %+v\nwant %+v", got, want)
	}
	if n := g.Node("Charge"); !(n.Retries == 1 && n.Action == "Mock:Charge" && !n.Start && !n.End) {
		t.Errorf("Charge = %+v", n)
	}
	if n := g.Node("Check"); !n.Start {
		t.Errorf("Check.Start = false, want true")
	}
	for _, id := range []string{"Done", "Refused"} {
		if !g.Node(id).End {
			t.Errorf("%s.End = false, want true", id)
		}
	}
}
