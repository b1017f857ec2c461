package graph

import (
	"strconv"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// Kind says what an edge stands for.
type Kind string

// Edge kinds.
const (
	KindNext    Kind = "next"    // Next, or the next step of a legacy list
	KindChoice  Kind = "choice"  // a Choice branch; Label is its condition
	KindDefault Kind = "default" // the Choice Default
	KindCatch   Kind = "catch"   // a Catch rule; Label lists its errors
)

// Graph is the picture of one flow.
type Graph struct {
	Name string   // the flow's name ("" when the definition has none)
	Root *Cluster // the top-level states; its ID is ""
}

// Cluster is a scope: the top level, a Parallel branch, a Map processor or a
// legacy inline step list.
type Cluster struct {
	ID    string // "" for the root, else the owner's ID + "/" + Field
	Field string // "Branches[0]", "Processor", "Choices[1]", "Default"; "" for the root
	Nodes []*Node
	Edges []*Edge
}

// Node is one state.
type Node struct {
	ID       string // the state path (see the package doc)
	Name     string
	Type     string // "Task", "Choice", ... (flow.StateType's spelling)
	Action   string // a Task's Action
	Start    bool   // the cluster's start state
	End      bool   // the state ends its cluster (End: true, Succeed, Fail)
	Retries  int    // how many Retry rules the state has
	Clusters []*Cluster
}

// Edge is one transition inside a cluster.
type Edge struct {
	From, To string // node IDs
	Kind     Kind
	Label    string
}

// New builds the graph of a parsed flow. It never fails: every transition of
// a parsed flow is valid.
func New(f *flow.Flow) *Graph {
	return &Graph{Name: f.Name(), Root: newCluster("", "", f.Root())}
}

func newCluster(owner, field string, sc *flow.Scope) *Cluster {
	c := &Cluster{Field: field}
	prefix := ""
	if field != "" {
		c.ID = owner + "/" + field
		prefix = c.ID + "/"
	}
	id := func(i int) string { return prefix + sc.States[i].Name }
	for i, st := range sc.States {
		n := &Node{ID: id(i), Name: st.Name, Type: st.Type.String(), Action: st.Action, Start: i == sc.Start,
			End: st.End || st.Type == flow.Succeed || st.Type == flow.Fail, Retries: len(st.Retry)}
		if st.Type != flow.Choice && st.Type != flow.Succeed && st.Type != flow.Fail && st.Next == flow.NoState {
			n.End = true
		}
		for b, br := range st.Branches {
			n.Clusters = append(n.Clusters, newCluster(n.ID, "Branches["+strconv.Itoa(b)+"]", br))
		}
		if st.Processor != nil {
			n.Clusters = append(n.Clusters, newCluster(n.ID, "Processor", st.Processor))
		}
		if lg := st.Legacy; lg != nil {
			for b, steps := range lg.ChoiceSteps {
				if steps != nil {
					n.Clusters = append(n.Clusters, newCluster(n.ID, "Choices["+strconv.Itoa(b)+"]", steps))
				}
			}
			if lg.DefaultSteps != nil {
				n.Clusters = append(n.Clusters, newCluster(n.ID, "Default", lg.DefaultSteps))
			}
		}
		c.Nodes = append(c.Nodes, n)
		edge := func(to int, k Kind, label string) {
			if to != flow.NoState {
				c.Edges = append(c.Edges, &Edge{From: n.ID, To: id(to), Kind: k, Label: label})
			}
		}
		if st.Type == flow.Choice {
			for _, br := range st.Choices {
				label := ""
				if br.Condition != nil {
					label = br.Condition.Source()
				}
				edge(br.Next, KindChoice, label)
			}
			edge(st.Default, KindDefault, "Default")
		} else {
			edge(st.Next, KindNext, "")
		}
		for _, ct := range st.Catch {
			edge(ct.Next, KindCatch, strings.Join(ct.Errors, ", "))
		}
	}
	return c
}

// Walk calls fn for every node, parents before their children, in definition
// order.
func (g *Graph) Walk(fn func(n *Node)) { walk(g.Root, fn) }

func walk(c *Cluster, fn func(n *Node)) {
	for _, n := range c.Nodes {
		fn(n)
		for _, sub := range n.Clusters {
			walk(sub, fn)
		}
	}
}

// Node returns the node with the given state path, or nil.
func (g *Graph) Node(id string) *Node {
	var found *Node
	g.Walk(func(n *Node) {
		if n.ID == id {
			found = n
		}
	})
	return found
}
