package graph

import (
	"sort"
	"unicode/utf8"
)

// Layout constants, in SVG user units (pixels).
const (
	charWidth   = 7.5 // estimated width of one character at 12px
	lineHeight  = 16
	nodePadX    = 12
	nodePadY    = 8
	minNodeW    = 96
	rankGap     = 48 // vertical gap between ranks (room for edge labels)
	nodeGap     = 28 // horizontal gap between neighbours in a rank
	dummyW      = 12 // width reserved for an edge crossing a rank
	clusterPad  = 12
	clusterHead = 20 // room for a cluster's caption
	compoundGap = 16 // between the clusters of a compound state
	margin      = 16
	sweeps      = 6 // barycentre ordering sweeps (down and up)
	placements  = 4 // x placement iterations
)

type point struct{ X, Y float64 }

type rect struct{ X, Y, W, H float64 }

// placedNode is a node with its box; a compound node also holds its clusters.
type placedNode struct {
	node     *Node
	box      rect
	lines    []string // text lines under the name
	clusters []*placedCluster
}

// placedCluster is a cluster with its box, nodes and edges.
type placedCluster struct {
	cluster *Cluster
	box     rect
	nodes   []*placedNode
	edges   []*placedEdge
}

// placedEdge is an edge with its polyline and label anchor.
type placedEdge struct {
	edge   *Edge
	points []point
	label  point
	start  bool // the label starts at label.X (self-loops) instead of being centred
}

func textWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * charWidth }

// layout places the whole graph; the root cluster's box starts at
// (margin, margin).
func layout(g *Graph, o Options) *placedCluster {
	pc := layoutCluster(g.Root, o, true)
	shiftCluster(pc, margin, margin)
	return pc
}

// nodeLines returns the text lines shown under a node's name.
func nodeLines(n *Node, o Options) []string {
	sub := n.Type
	if n.Action != "" {
		sub += " · " + n.Action
	}
	lines := []string{sub}
	if note := o.Notes[n.ID]; note != "" {
		lines = append(lines, note)
	}
	return lines
}

// layoutNode sizes a node at the origin; compound nodes lay out their
// clusters side by side below the caption.
func layoutNode(n *Node, o Options) *placedNode {
	pn := &placedNode{node: n, lines: nodeLines(n, o)}
	w := textWidth(n.Name)
	for _, l := range pn.lines {
		w = max(w, textWidth(l))
	}
	w += 2 * nodePadX
	h := float64(1+len(pn.lines))*lineHeight + 2*nodePadY
	if len(n.Clusters) == 0 {
		pn.box = rect{W: max(w, minNodeW), H: h}
		return pn
	}
	x, inner := float64(clusterPad), 0.0
	for _, c := range n.Clusters {
		pc := layoutCluster(c, o, false)
		shiftCluster(pc, x, h)
		x += pc.box.W + compoundGap
		inner = max(inner, pc.box.H)
		pn.clusters = append(pn.clusters, pc)
	}
	cw := x - compoundGap + clusterPad
	pn.box = rect{W: max(w, cw, minNodeW), H: h + inner + clusterPad}
	if pn.box.W > cw { // centre the clusters under a wide caption
		for _, pc := range pn.clusters {
			shiftCluster(pc, (pn.box.W-cw)/2, 0)
		}
	}
	return pn
}

// vertex is a node or a dummy point of the layered layout of one cluster.
type vertex struct {
	node       *placedNode // nil for a dummy
	w, h       float64
	rank       int
	order      float64
	x          float64 // left edge
	up, down   []int   // neighbours in the rank above and below
	firstOrder int
}

// layoutCluster lays out a cluster's nodes in ranks at the origin.
func layoutCluster(c *Cluster, o Options, root bool) *placedCluster {
	pc := &placedCluster{cluster: c}
	index := map[string]int{}
	var vs []*vertex
	for i, n := range c.Nodes {
		pn := layoutNode(n, o)
		pc.nodes = append(pc.nodes, pn)
		index[n.ID] = i
		vs = append(vs, &vertex{node: pn, w: pn.box.W, h: pn.box.H})
	}
	n := len(vs)
	// Break cycles: a depth-first walk from the start state (then from every
	// node not yet seen) reverses the edges that point back up its stack.
	// The reverse post-order of that walk is a topological order of what is
	// left.
	out := make([][]int, n) // edge indexes by source
	for i, e := range c.Edges {
		out[index[e.From]] = append(out[index[e.From]], i)
	}
	reversed := make([]bool, len(c.Edges))
	state := make([]uint8, n) // 0 new, 1 on stack, 2 done
	visit := 0
	var post []int
	var dfs func(u int)
	dfs = func(u int) {
		state[u] = 1
		vs[u].firstOrder = visit
		visit++
		for _, ei := range out[u] {
			v := index[c.Edges[ei].To]
			switch state[v] {
			case 0:
				dfs(v)
			case 1:
				reversed[ei] = true
			}
		}
		state[u] = 2
		post = append(post, u)
	}
	for i, nd := range c.Nodes {
		if nd.Start && state[i] == 0 {
			dfs(i)
		}
	}
	for i := range c.Nodes {
		if state[i] == 0 {
			dfs(i)
		}
	}
	// Rank by longest path over the DAG (self-loops are reversed edges and
	// ignored), in topological order.
	for p := len(post) - 1; p >= 0; p-- {
		u := post[p]
		for _, ei := range out[u] {
			if !reversed[ei] {
				v := index[c.Edges[ei].To]
				vs[v].rank = max(vs[v].rank, vs[u].rank+1)
			}
		}
	}
	// Chains of dummies for edges spanning more than one rank.
	chains := make([][]int, len(c.Edges)) // vertex indexes from top to bottom
	for i, e := range c.Edges {
		u, v := index[e.From], index[e.To]
		if u == v {
			chains[i] = []int{u}
			continue
		}
		top, bottom := u, v
		if reversed[i] {
			top, bottom = v, u
		}
		chain := []int{top}
		for r := vs[top].rank + 1; r < vs[bottom].rank; r++ {
			vs = append(vs, &vertex{w: dummyW, rank: r, firstOrder: vs[top].firstOrder})
			chain = append(chain, len(vs)-1)
		}
		chain = append(chain, bottom)
		for k := 0; k+1 < len(chain); k++ {
			vs[chain[k]].down = append(vs[chain[k]].down, chain[k+1])
			vs[chain[k+1]].up = append(vs[chain[k+1]].up, chain[k])
		}
		chains[i] = chain
	}
	ranks := orderRanks(vs)
	placeX(vs, ranks)
	// Stack the ranks.
	y := 0.0
	if !root {
		y = clusterHead
	}
	rankY := make([]float64, len(ranks))
	rankH := make([]float64, len(ranks))
	for r, rk := range ranks {
		rankY[r] = y
		for _, v := range rk {
			rankH[r] = max(rankH[r], vs[v].h)
		}
		y += rankH[r] + rankGap
	}
	minX, maxX := 0.0, 0.0
	for i, v := range vs {
		if i == 0 || v.x < minX {
			minX = v.x
		}
		maxX = max(maxX, v.x+v.w)
	}
	pad := float64(clusterPad)
	if root {
		pad = 0
	}
	for _, v := range vs {
		v.x += pad - minX
		if v.node != nil {
			shiftNode(v.node, v.x, rankY[v.rank]+(rankH[v.rank]-v.h)/2)
		}
	}
	width := maxX - minX + 2*pad
	if !root {
		width = max(width, textWidth(c.Field)+2*pad)
	}
	height := y - rankGap + pad
	if n == 0 {
		height = clusterHead + pad
	}
	pc.box = rect{W: width, H: height}
	// Route the edges through their chains.
	seen := map[[2]int]int{}
	for i, e := range c.Edges {
		pe := &placedEdge{edge: e}
		chain := chains[i]
		u, v := index[e.From], index[e.To]
		key := [2]int{min(u, v), max(u, v)}
		k := float64(seen[key]) * 8
		seen[key]++
		if u == v {
			b := vs[u].node.box
			x, y := b.X+b.W, b.Y+b.H/2
			pe.points = []point{{x, y - 6}, {x + 24 + k, y - 6}, {x + 24 + k, y + 6}, {x, y + 6}}
			pe.label, pe.start = point{x + 28 + k, y}, true
			pc.edges = append(pc.edges, pe)
			continue
		}
		var pts []point
		for j, vi := range chain {
			vx := vs[vi]
			cx := vx.x + vx.w/2 + k
			switch {
			case j == 0:
				pts = append(pts, point{cx, rankY[vx.rank] + (rankH[vx.rank]+vx.h)/2})
			case j == len(chain)-1:
				pts = append(pts, point{cx, rankY[vx.rank] + (rankH[vx.rank]-vx.h)/2})
			default:
				pts = append(pts, point{cx, rankY[vx.rank]}, point{cx, rankY[vx.rank] + rankH[vx.rank]})
			}
		}
		if reversed[i] {
			for a, b := 0, len(pts)-1; a < b; a, b = a+1, b-1 {
				pts[a], pts[b] = pts[b], pts[a]
			}
		}
		pe.points = pts
		pc.edges = append(pc.edges, pe)
	}
	placeLabels(pc)
	return pc
}

// labelH is the height of an edge label's box.
const labelH = 14

// placeLabels puts each edge label on its first segment, at the first of a
// few positions along it where the label's box overlaps neither a node nor
// an earlier label; the middle when none is free.
func placeLabels(pc *placedCluster) {
	var taken []rect
	for _, pn := range pc.nodes {
		taken = append(taken, pn.box)
	}
	free := func(r rect) bool {
		for _, t := range taken {
			if r.X < t.X+t.W && t.X < r.X+r.W && r.Y < t.Y+t.H && t.Y < r.Y+r.H {
				return false
			}
		}
		return true
	}
	for _, pe := range pc.edges {
		if pe.edge.Label == "" || pe.start {
			continue
		}
		w := textWidth(pe.edge.Label) + 4
		a, b := pe.points[0], pe.points[1]
		at := func(t float64) point { return point{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t} }
		pe.label = at(0.5)
		for _, t := range []float64{0.5, 0.3, 0.7, 0.15, 0.85} {
			p := at(t)
			if r := (rect{p.X - w/2, p.Y - labelH/2, w, labelH}); free(r) {
				pe.label = p
				break
			}
		}
		taken = append(taken, rect{pe.label.X - w/2, pe.label.Y - labelH/2, w, labelH})
	}
}

// orderRanks groups vertices by rank and orders each rank by barycentre
// sweeps, starting from discovery order.
func orderRanks(vs []*vertex) [][]int {
	nr := 0
	for _, v := range vs {
		nr = max(nr, v.rank+1)
	}
	ranks := make([][]int, nr)
	for i, v := range vs {
		ranks[v.rank] = append(ranks[v.rank], i)
	}
	for _, rk := range ranks {
		sort.SliceStable(rk, func(a, b int) bool { return vs[rk[a]].firstOrder < vs[rk[b]].firstOrder })
		for p, v := range rk {
			vs[v].order = float64(p)
		}
	}
	bary := func(rk []int, nb func(v *vertex) []int) {
		key := make(map[int]float64, len(rk))
		for _, v := range rk {
			ns := nb(vs[v])
			if len(ns) == 0 {
				key[v] = vs[v].order
				continue
			}
			s := 0.0
			for _, u := range ns {
				s += vs[u].order
			}
			key[v] = s / float64(len(ns))
		}
		sort.SliceStable(rk, func(a, b int) bool { return key[rk[a]] < key[rk[b]] })
		for p, v := range rk {
			vs[v].order = float64(p)
		}
	}
	for s := 0; s < sweeps; s++ {
		if s%2 == 0 {
			for r := 1; r < nr; r++ {
				bary(ranks[r], func(v *vertex) []int { return v.up })
			}
		} else {
			for r := nr - 2; r >= 0; r-- {
				bary(ranks[r], func(v *vertex) []int { return v.down })
			}
		}
	}
	return ranks
}

// placeX packs every rank left to right, then pulls vertices towards the
// centres of their neighbours while keeping nodeGap between neighbours.
func placeX(vs []*vertex, ranks [][]int) {
	for _, rk := range ranks {
		x := 0.0
		for _, v := range rk {
			vs[v].x = x
			x += vs[v].w + nodeGap
		}
	}
	centre := func(v int) float64 { return vs[v].x + vs[v].w/2 }
	for it := 0; it < placements; it++ {
		for pass := 0; pass < 2; pass++ {
			for ri := range ranks {
				r := ri
				if pass == 1 {
					r = len(ranks) - 1 - ri
				}
				rk := ranks[r]
				want := make([]float64, len(rk))
				for p, v := range rk {
					ns := vs[v].up
					if pass == 1 {
						ns = vs[v].down
					}
					if len(ns) == 0 {
						want[p] = vs[v].x
						continue
					}
					s := 0.0
					for _, u := range ns {
						s += centre(u)
					}
					want[p] = s/float64(len(ns)) - vs[v].w/2
				}
				separate(vs, rk, want)
			}
		}
	}
}

// separate sets the x of the rank's vertices as close to want as the gaps
// allow: the average of a left-to-right and a right-to-left clamp, each of
// which keeps the gaps, so the average keeps them too.
func separate(vs []*vertex, rk []int, want []float64) {
	n := len(rk)
	l := make([]float64, n)
	r := make([]float64, n)
	for p := 0; p < n; p++ {
		l[p] = want[p]
		if p > 0 {
			l[p] = max(l[p], l[p-1]+vs[rk[p-1]].w+nodeGap)
		}
	}
	for p := n - 1; p >= 0; p-- {
		r[p] = want[p]
		if p < n-1 {
			r[p] = min(r[p], r[p+1]-vs[rk[p]].w-nodeGap)
		}
	}
	for p, v := range rk {
		vs[v].x = (l[p] + r[p]) / 2
	}
}

func shiftNode(pn *placedNode, dx, dy float64) {
	pn.box.X += dx
	pn.box.Y += dy
	for _, pc := range pn.clusters {
		shiftCluster(pc, dx, dy)
	}
}

func shiftCluster(pc *placedCluster, dx, dy float64) {
	pc.box.X += dx
	pc.box.Y += dy
	for _, pn := range pc.nodes {
		shiftNode(pn, dx, dy)
	}
	for _, pe := range pc.edges {
		for i := range pe.points {
			pe.points[i].X += dx
			pe.points[i].Y += dy
		}
		pe.label.X += dx
		pe.label.Y += dy
	}
}
