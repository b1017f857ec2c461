package graph

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// svgNode is a node or cluster group read back from the SVG.
type svgGroup struct {
	class, id string // id: data-state or data-cluster
	status    string
	box       rect
	parent    *svgGroup // the enclosing node or cluster group
}

type svgDoc struct {
	nodes    map[string]*svgGroup
	clusters map[string]*svgGroup
	edges    map[[3]string]bool // from, to, kind
	order    []*svgGroup        // nodes and clusters in document order
}

// readSVG parses an SVG the way a browser script would: by class and data-*
// attributes, and each group's first <rect> as its box.
func readSVG(t *testing.T, b []byte) *svgDoc {
	t.Helper()
	d := &svgDoc{nodes: map[string]*svgGroup{}, clusters: map[string]*svgGroup{}, edges: map[[3]string]bool{}}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*svgGroup // nil entries for other groups
	var root bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local == "svg" {
				root = true
			}
			attr := func(name string) string {
				for _, a := range el.Attr {
					if a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			switch el.Name.Local {
			case "g":
				class := strings.Fields(attr("class"))
				var g *svgGroup
				if len(class) > 0 && (class[0] == "node" || class[0] == "cluster") {
					g = &svgGroup{class: class[0], id: attr("data-state") + attr("data-cluster"), status: attr("data-status")}
					for i := len(stack) - 1; i >= 0; i-- {
						if stack[i] != nil {
							g.parent = stack[i]
							break
						}
					}
					if class[0] == "node" {
						if d.nodes[g.id] != nil {
							t.Errorf("state %q drawn twice", g.id)
						}
						d.nodes[g.id] = g
					} else {
						d.clusters[g.id] = g
					}
					d.order = append(d.order, g)
				}
				if len(class) > 0 && class[0] == "edge" {
					d.edges[[3]string{attr("data-from"), attr("data-to"), attr("data-kind")}] = true
				}
				stack = append(stack, g)
			case "rect":
				if len(stack) > 0 && stack[len(stack)-1] != nil && stack[len(stack)-1].box.W == 0 {
					g := stack[len(stack)-1]
					g.box = rect{f(t, attr("x")), f(t, attr("y")), f(t, attr("width")), f(t, attr("height"))}
				}
			case "image", "use", "script", "foreignObject":
				t.Errorf("SVG has a <%s>; it must be self-contained and static", el.Name.Local)
			}
			for _, a := range el.Attr {
				if a.Name.Local == "href" && !strings.HasPrefix(a.Value, "#") {
					t.Errorf("SVG references %q", a.Value)
				}
			}
		case xml.EndElement:
			if el.Name.Local == "g" {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if !root {
		t.Fatal("no <svg> element")
	}
	return d
}

func f(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return v
}

func overlaps(a, b rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

func inside(in, out rect) bool {
	return in.X >= out.X && in.Y >= out.Y && in.X+in.W <= out.X+out.W && in.Y+in.H <= out.Y+out.H
}

// checkSVG checks the SVG of g against the graph's own structure: every
// state and edge drawn once, clusters nested as in the flow, every box
// inside its parent's, and no two boxes of one cluster overlapping.
func checkSVG(t *testing.T, g *Graph, o Options) *svgDoc {
	t.Helper()
	d := readSVG(t, g.SVG(o))
	count := 0
	g.Walk(func(n *Node) {
		count++
		sn := d.nodes[n.ID]
		if sn == nil {
			t.Errorf("state %q missing", n.ID)
			return
		}
		if sn.box.W <= 0 || sn.box.H <= 0 {
			t.Errorf("state %q has no box", n.ID)
		}
		for _, c := range n.Clusters {
			sc := d.clusters[c.ID]
			if sc == nil {
				t.Errorf("cluster %q missing", c.ID)
				continue
			}
			if sc.parent != sn {
				t.Errorf("cluster %q is not inside state %q", c.ID, n.ID)
			}
			if !inside(sc.box, sn.box) {
				t.Errorf("cluster %q box %v outside state %q box %v", c.ID, sc.box, n.ID, sn.box)
			}
			for _, child := range c.Nodes {
				if cn := d.nodes[child.ID]; cn != nil && (cn.parent != sc || !inside(cn.box, sc.box)) {
					t.Errorf("state %q (box %v) is not inside cluster %q (box %v)", child.ID, cn.box, c.ID, sc.box)
				}
			}
		}
	})
	if len(d.nodes) != count {
		t.Errorf("SVG draws %d states, the flow has %d", len(d.nodes), count)
	}
	var clusterEdges func(c *Cluster)
	clusterEdges = func(c *Cluster) {
		for _, e := range c.Edges {
			if !d.edges[[3]string{e.From, e.To, string(e.Kind)}] {
				t.Errorf("edge %s -> %s (%s) missing", e.From, e.To, e.Kind)
			}
		}
		for _, n := range c.Nodes {
			for _, sub := range n.Clusters {
				clusterEdges(sub)
			}
		}
	}
	clusterEdges(g.Root)
	// Boxes with the same parent never overlap.
	for i, a := range d.order {
		for _, b := range d.order[i+1:] {
			if a.parent == b.parent && a.class == b.class && overlaps(a.box, b.box) {
				t.Errorf("%s %q box %v overlaps %s %q box %v", a.class, a.id, a.box, b.class, b.id, b.box)
			}
		}
	}
	return d
}

func TestGraph_SVG_Structure(t *testing.T) {
	for _, name := range []string{"linear", "order", "parallel_map", "legacy"} {
		t.Run(name, func(t *testing.T) {
			checkSVG(t, New(parseFile(t, filepath.Join("testdata", name, "flow.yaml"))), Options{})
		})
	}
}

func TestGraph_SVG_Edges(t *testing.T) {
	d := checkSVG(t, New(parseFile(t, "testdata/parallel_map/flow.yaml")), Options{})
	for _, e := range [][3]string{
		{"Fork", "Done", "next"},
		{"Fork", "Cleanup", "catch"},
		{"Cleanup", "Done", "next"},
		{"Fork/Branches[0]/Ship", "Fork/Branches[0]/Notify", "next"},
	} {
		if !d.edges[e] {
			t.Errorf("edge %v missing", e)
		}
	}
	if len(d.edges) != 4 {
		t.Errorf("SVG has %d edges, want 4", len(d.edges))
	}
	if p := d.nodes["Fork/Branches[1]/Each/Processor/Resize"].parent; p == nil || p.id != "Fork/Branches[1]/Each/Processor" {
		t.Errorf("Resize's parent = %v, want the Processor cluster", p)
	}
}

// TestGraph_SVG_EngineCorpus draws every valid flow of the engine's golden
// suite and checks the SVG's structure.
func TestGraph_SVG_EngineCorpus(t *testing.T) {
	paths, _ := filepath.Glob("../interp/testdata/*/flow.yaml")
	drawn := 0
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fl, err := flow.Parse(src, flow.ParseOptions{})
		if err != nil {
			continue // the invalid cases
		}
		drawn++
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) { checkSVG(t, New(fl), Options{}) })
	}
	if drawn < 100 {
		t.Errorf("drew %d flows of the engine corpus, want at least 100", drawn)
	}
}

func TestGraph_SVG_Status(t *testing.T) {
	g := New(parseFile(t, "testdata/order/flow.yaml"))
	o := Options{Status: map[string]Status{"Check": Succeeded, "Charge": Failed}, Notes: map[string]string{"Charge": "2 retries"}}
	out := g.SVG(o)
	d := checkSVG(t, g, o)
	if d.nodes["Check"].status != "succeeded" || d.nodes["Charge"].status != "failed" || d.nodes["Done"].status != "" {
		t.Errorf("statuses = %q %q %q, want succeeded failed (none)", d.nodes["Check"].status, d.nodes["Charge"].status, d.nodes["Done"].status)
	}
	if !bytes.Contains(out, []byte(`style="fill:#ffd2d2"`)) || !bytes.Contains(out, []byte(">2 retries<")) {
		t.Errorf("SVG lacks the failed fill or the note:\n%s", out)
	}
}
