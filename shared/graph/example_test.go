package graph_test

import (
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/graph"
)

func ExampleGraph_Mermaid() {
	f, err := flow.Parse([]byte(`
Type: StateMachine
SpecVersion: v1
StartAt: Hello
States:
  - {Name: Hello, Type: Pass, Next: Done}
  - {Name: Done, Type: Succeed}
`), flow.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(graph.New(f).Mermaid(graph.Options{Status: map[string]graph.Status{"Hello": graph.Succeeded}}))
	// Output:
	// flowchart TD
	//   n0["Hello<br/><small>Pass</small>"]
	//   n1["Done<br/><small>Succeed</small>"]
	//   n0 --> n1
	//   classDef succeeded fill:#d4f5d4
	//   class n0 succeeded
}
