package graph

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Mermaid renders the graph as a Mermaid flowchart (top-down). States are
// nodes n0, n1, ... labelled with their name and type; compound states are
// subgraphs holding one subgraph per cluster; Catch edges are dotted.
// Options.Status adds one classDef per status used.
func (g *Graph) Mermaid(o Options) string {
	ids := map[string]string{}
	i := 0
	g.Walk(func(n *Node) { ids[n.ID] = "n" + strconv.Itoa(i); i++ })
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	var cluster func(c *Cluster, indent string)
	cluster = func(c *Cluster, indent string) {
		for _, n := range c.Nodes {
			label := mermaidText(n.Name) + "<br/><small>" + mermaidText(subtitle(n)) + "</small>"
			if note := o.Notes[n.ID]; note != "" {
				label += "<br/><i>" + mermaidText(note) + "</i>"
			}
			if len(n.Clusters) == 0 {
				shape := `["%s"]`
				if n.Type == "Choice" {
					shape = `{"%s"}`
				}
				fmt.Fprintf(&b, "%s%s"+shape+"\n", indent, ids[n.ID], label)
				continue
			}
			fmt.Fprintf(&b, "%ssubgraph %s [\"%s\"]\n", indent, ids[n.ID], label)
			for k, sub := range n.Clusters {
				fmt.Fprintf(&b, "%s  subgraph %s_%d [\"%s\"]\n", indent, ids[n.ID], k, mermaidText(sub.Field))
				cluster(sub, indent+"    ")
				fmt.Fprintf(&b, "%s  end\n", indent)
			}
			fmt.Fprintf(&b, "%send\n", indent)
		}
		for _, e := range c.Edges {
			arrow := "-->"
			if e.Kind == KindCatch {
				arrow = "-.->"
			}
			if e.Label != "" {
				fmt.Fprintf(&b, "%s%s %s|\"%s\"| %s\n", indent, ids[e.From], arrow, mermaidText(e.Label), ids[e.To])
			} else {
				fmt.Fprintf(&b, "%s%s %s %s\n", indent, ids[e.From], arrow, ids[e.To])
			}
		}
	}
	cluster(g.Root, "  ")
	if len(o.Status) > 0 {
		byStatus := map[Status][]string{}
		g.Walk(func(n *Node) {
			if st, ok := o.Status[n.ID]; ok {
				byStatus[st] = append(byStatus[st], ids[n.ID])
			}
		})
		for _, st := range sortedStatuses(byStatus) {
			fmt.Fprintf(&b, "  classDef %s fill:%s\n  class %s %s\n", st, fill[st], strings.Join(byStatus[st], ","), st)
		}
	}
	return b.String()
}

// mermaidText escapes a label for a quoted Mermaid string.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\n", " ")
	return r.Replace(s)
}

func subtitle(n *Node) string {
	if n.Action != "" {
		return n.Type + " · " + n.Action
	}
	return n.Type
}

func sortedStatuses(m map[Status][]string) []Status {
	out := make([]Status, 0, len(m))
	for st := range m {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// DOT renders the graph in Graphviz's DOT language. Compound states are
// clusters ("cluster_" + ID) holding a caption node with the state's ID, the
// end of the edges that enter or leave the state (lhead/ltail point at the
// cluster), and one nested cluster per branch or processor.
func (g *Graph) DOT(o Options) string {
	compound := map[string]bool{}
	g.Walk(func(n *Node) { compound[n.ID] = len(n.Clusters) > 0 })
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(g.Name))
	b.WriteString("  compound=true;\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"sans-serif\", fontsize=12];\n  edge [fontname=\"sans-serif\", fontsize=11];\n")
	var cluster func(c *Cluster, indent string)
	cluster = func(c *Cluster, indent string) {
		for _, n := range c.Nodes {
			attrs := []string{"label=" + dotQuote(n.Name+"\n"+subtitle(n)+noteLine(o, n))}
			if st, ok := o.Status[n.ID]; ok {
				attrs = append(attrs, "fillcolor="+dotQuote(fill[st]), "class="+dotQuote(string(st)))
			}
			if n.Start {
				attrs = append(attrs, "penwidth=2")
			}
			if len(n.Clusters) == 0 {
				if n.Type == "Choice" {
					attrs = append(attrs, "shape=diamond", "style=filled")
				}
				fmt.Fprintf(&b, "%s%s [%s];\n", indent, dotQuote(n.ID), strings.Join(attrs, ", "))
				continue
			}
			fmt.Fprintf(&b, "%ssubgraph %s {\n%s  label=\"\";\n", indent, dotQuote("cluster_"+n.ID), indent)
			fmt.Fprintf(&b, "%s  %s [%s];\n", indent, dotQuote(n.ID), strings.Join(append(attrs, "shape=plaintext"), ", "))
			for _, sub := range n.Clusters {
				fmt.Fprintf(&b, "%s  subgraph %s {\n%s    label=%s;\n%s    style=dashed;\n", indent, dotQuote("cluster_"+sub.ID), indent, dotQuote(sub.Field), indent)
				cluster(sub, indent+"    ")
				fmt.Fprintf(&b, "%s  }\n", indent)
			}
			fmt.Fprintf(&b, "%s}\n", indent)
		}
		for _, e := range c.Edges {
			var attrs []string
			if e.Label != "" {
				attrs = append(attrs, "label="+dotQuote(e.Label))
			}
			switch e.Kind {
			case KindCatch:
				attrs = append(attrs, "style=dashed", "color=\"#c0392b\"")
			case KindDefault:
				attrs = append(attrs, "style=dotted")
			}
			if compound[e.From] && e.From != e.To {
				attrs = append(attrs, "ltail="+dotQuote("cluster_"+e.From))
			}
			if compound[e.To] && e.From != e.To {
				attrs = append(attrs, "lhead="+dotQuote("cluster_"+e.To))
			}
			line := indent + dotQuote(e.From) + " -> " + dotQuote(e.To)
			if len(attrs) > 0 {
				line += " [" + strings.Join(attrs, ", ") + "]"
			}
			b.WriteString(line + ";\n")
		}
	}
	cluster(g.Root, "  ")
	b.WriteString("}\n")
	return b.String()
}

func noteLine(o Options, n *Node) string {
	if note := o.Notes[n.ID]; note != "" {
		return "\n" + note
	}
	return ""
}

// dotQuote quotes a DOT ID.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
