package graph

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
)

// style is the SVG's embedded style sheet: no external resources.
const style = `
.node>rect{fill:#fff;stroke:#445;stroke-width:1.2}
.node.start>rect{stroke-width:2.4}
.node.compound>rect{fill:#fafafa}
.cluster>rect{fill:none;stroke:#99a;stroke-dasharray:4 3}
.edge path{fill:none;stroke:#556;stroke-width:1.2}
.edge[data-kind=catch] path{stroke:#c0392b;stroke-dasharray:5 3}
.edge[data-kind=default] path{stroke-dasharray:2 2}
text{font-family:sans-serif;font-size:12px;fill:#222}
text.name{font-weight:bold}
text.sub,text.caption{fill:#556;font-size:11px}
text.note{fill:#333;font-size:11px;font-style:italic}
.edge text{font-size:11px;fill:#333;paint-order:stroke;stroke:#fff;stroke-width:3px}
.edge[data-kind=catch] text{fill:#c0392b}
`

// SVG renders the graph laid out as a self-contained SVG document.
func (g *Graph) SVG(o Options) []byte {
	pc := layout(g, o)
	w, h := pc.box.X+pc.box.W+margin, pc.box.Y+pc.box.H+margin
	for _, pe := range allEdges(pc) { // self-loops stick out to the right
		for _, p := range pe.points {
			w = max(w, p.X+margin)
		}
		w = max(w, pe.label.X+textWidth(pe.edge.Label)+margin)
		h = max(h, pe.label.Y+labelH+margin)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" data-flow="%s">`+"\n",
		num(w), num(h), num(w), num(h), esc(g.Name))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#556"/></marker></defs>` + "\n")
	b.WriteString("<style>" + style + "</style>\n")
	if g.Name != "" {
		fmt.Fprintf(&b, "<title>%s</title>\n", esc(g.Name))
	}
	writeCluster(&b, pc, o, true)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func allEdges(pc *placedCluster) []*placedEdge {
	es := append([]*placedEdge(nil), pc.edges...)
	for _, pn := range pc.nodes {
		for _, sub := range pn.clusters {
			es = append(es, allEdges(sub)...)
		}
	}
	return es
}

func writeCluster(b *bytes.Buffer, pc *placedCluster, o Options, root bool) {
	if root {
		b.WriteString(`<g class="flow">` + "\n")
	} else {
		fmt.Fprintf(b, `<g class="cluster" data-cluster="%s">`+"\n", esc(pc.cluster.ID))
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" rx="6"/>`+"\n", num(pc.box.X), num(pc.box.Y), num(pc.box.W), num(pc.box.H))
		fmt.Fprintf(b, `<text class="caption" x="%s" y="%s">%s</text>`+"\n", num(pc.box.X+clusterPad/2), num(pc.box.Y+14), esc(pc.cluster.Field))
	}
	for _, pe := range pc.edges {
		writeEdge(b, pe)
	}
	for _, pn := range pc.nodes {
		writeNode(b, pn, o)
	}
	b.WriteString("</g>\n")
}

func writeNode(b *bytes.Buffer, pn *placedNode, o Options) {
	n := pn.node
	class := "node"
	if len(pn.clusters) > 0 {
		class += " compound"
	}
	if n.Start {
		class += " start"
	}
	if n.End {
		class += " end"
	}
	fmt.Fprintf(b, `<g class="%s" data-state="%s" data-type="%s"`, class, esc(n.ID), esc(n.Type))
	fillAttr := ""
	if st, ok := o.Status[n.ID]; ok {
		fmt.Fprintf(b, ` data-status="%s"`, esc(string(st)))
		if c := fill[st]; c != "" {
			fillAttr = ` style="fill:` + c + `"`
		}
	}
	b.WriteString(">\n")
	fmt.Fprintf(b, `<title>%s</title>`+"\n", esc(n.ID))
	bx := pn.box
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" rx="8"%s/>`+"\n", num(bx.X), num(bx.Y), num(bx.W), num(bx.H), fillAttr)
	cx := bx.X + bx.W/2
	y := bx.Y + nodePadY + 12
	fmt.Fprintf(b, `<text class="name" x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", num(cx), num(y), esc(n.Name))
	for i, l := range pn.lines {
		cls := "sub"
		if i > 0 {
			cls = "note"
		}
		y += lineHeight
		fmt.Fprintf(b, `<text class="%s" x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", cls, num(cx), num(y), esc(l))
	}
	for _, pc := range pn.clusters {
		writeCluster(b, pc, o, false)
	}
	b.WriteString("</g>\n")
}

func writeEdge(b *bytes.Buffer, pe *placedEdge) {
	e := pe.edge
	fmt.Fprintf(b, `<g class="edge" data-from="%s" data-to="%s" data-kind="%s">`, esc(e.From), esc(e.To), e.Kind)
	b.WriteString(`<path d="`)
	for i, p := range pe.points {
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString(" L")
		}
		b.WriteString(num(p.X) + "," + num(p.Y))
	}
	b.WriteString(`" marker-end="url(#arrow)"/>`)
	if e.Label != "" {
		anchor := "middle"
		if pe.start {
			anchor = "start"
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s">%s</text>`, num(pe.label.X), num(pe.label.Y+4), anchor, esc(e.Label))
	}
	b.WriteString("</g>\n")
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func esc(s string) string { return html.EscapeString(s) }
