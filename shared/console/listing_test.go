package console

import (
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// A definition's located problems land on their lines.
func TestListing_LocatedIssues(t *testing.T) {
	def := "Type: StateMachine\nSpecVersion: v1\nName: x\nStartAt: A\nStates:\n  - Name: A\n    Type: Pass\n    Retry: 3\n    End: true\n"
	_, err := flow.Parse([]byte(def), flow.ParseOptions{Name: "x"})
	if err == nil {
		t.Fatal("flow.Parse accepted a Pass with Retry")
	}
	lines, unlocated := listing(def, err)
	if len(lines) != 9 || lines[0].N != 1 || lines[8].Text != "    End: true" {
		t.Fatalf("listing = %d lines (%+v), want the 9 lines numbered from 1", len(lines), lines)
	}
	var marked []int
	for _, l := range lines {
		if len(l.Issues) > 0 {
			marked = append(marked, l.N)
			if !strings.Contains(l.Issues[0], "States[0](A)") {
				t.Errorf("line %d issue = %q, want its state path", l.N, l.Issues[0])
			}
		}
	}
	if len(marked) != 1 || marked[0] != 8 || len(unlocated) != 0 {
		t.Errorf("issues on lines %v (unlocated %v), want line 8 (Retry) only", marked, unlocated)
	}
	if lines, unlocated := listing("a\nb\n", nil); len(lines) != 2 || unlocated != nil {
		t.Errorf("listing(valid) = %v, %v; want 2 lines and no issues", lines, unlocated)
	}
}
