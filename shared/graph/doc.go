// Package graph draws a flow as a picture: it builds a graph from a parsed
// *flow.Flow and renders it as SVG (laid out here, self-contained), Mermaid or
// DOT. The command-line tool (cmd/cloudflow graph) and the web console share it.
//
// # Model
//
// A Graph is a tree of Clusters. The root cluster holds the top-level states;
// a Parallel state holds one cluster per branch, a Map state (and a legacy
// foreach) one for its processor, and a legacy choice one per inline step
// list. Every state is a Node whose ID is its state path: the state names
// from the top down joined by "/", with the cluster's field between a
// compound state and its children, e.g. "Charge", "Fork/Branches[0]/Ship",
// "Each/Processor/Resize". Edges join nodes of the same cluster: Next
// (KindNext), Choice branches labelled with their condition (KindChoice), the
// Choice Default (KindDefault) and Catch rules labelled with their error names
// (KindCatch).
//
// # SVG
//
// In the SVG every state is a <g class="node" data-state="PATH"
// data-type="Task"> holding its box (a <rect>) and texts; a compound state's
// group also holds its clusters, each a <g class="cluster" data-cluster="ID">,
// so the XML nests as the flow does. Every edge is a <g class="edge"
// data-from="PATH" data-to="PATH" data-kind="next">. With Options.Status a
// node gets data-status (notreached, running, succeeded, failed, caught,
// retried; package timeline derives them from a history) and the matching
// fill, so a page can also restyle it with CSS.
//
// # Layout
//
// The layout is a small layered (Sugiyama-style) layout, applied per cluster
// from the innermost out: a compound state is laid out as one big node whose
// size is that of its clusters side by side. In each cluster, cycles are
// broken by reversing the edges that a depth-first walk from the start state
// finds going back; states are ranked by longest path; edges spanning several
// ranks get dummy points; the order within a rank comes from a few
// barycentre sweeps; x positions are pulled towards the neighbours' centres
// and then separated, so boxes of one rank never overlap; ranks are stacked
// top-down. Edges are polylines through their dummy points. Text widths are
// estimated (no font metrics), generously, for a sans-serif 12px font.
package graph
