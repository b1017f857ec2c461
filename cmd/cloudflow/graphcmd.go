package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/graph"
	"github.com/cloudflow-oss/cloudflow/shared/timeline"
)

func graphCmd(_ context.Context, e env, args []string) int {
	fs := newFlags(e, "graph")
	format := fs.String("format", "", "output `format`: svg, mermaid or dot (default: from -o's extension .svg/.mmd/.dot, else svg)")
	out := fs.String("o", "", "write to `file` instead of stdout")
	modeFlag := fs.String("mode", "", "parse the flow for this execution `mode`: standard or express (default: the file's ExecutionMode)")
	exec := fs.String("execution", "", "colour the states by what happened in this execution `name` (GetExecutionHistory)")
	endpoint := fs.String("endpoint", "", "the service `URL` for -execution (default $CLOUDFLOW_ENDPOINT, else http://127.0.0.1:8080)")
	flowFlag := fs.String("flow", "", "the flow `name` on the service for -execution (default: the file's Name, else the file name)")
	pos, code, ok := parse(fs, e, args)
	if !ok {
		return code
	}
	if !wantArgs(fs, e, pos, 1, 1) {
		return exitUsage
	}
	f := *format
	if f == "" {
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".mmd", ".mermaid", ".md":
			f = "mermaid"
		case ".dot", ".gv":
			f = "dot"
		default:
			f = "svg"
		}
	}
	if f != "svg" && f != "mermaid" && f != "dot" {
		_, _ = fmt.Fprintf(e.stderr, "cloudflow graph: -format %q: want svg, mermaid or dot\n", f)
		return exitUsage
	}
	file := pos[0]
	src, err := os.ReadFile(file)
	if err != nil {
		return fail(e, "graph", err)
	}
	mode := *modeFlag
	if mode == "" {
		mode = fileHeader(src).mode
	}
	m, err := parseMode(mode)
	if err != nil {
		return fail(e, "graph", err)
	}
	fl, err := flow.Parse(src, flow.ParseOptions{Mode: m})
	if err != nil {
		for _, p := range validateFile(file, mode) {
			_, _ = fmt.Fprintln(e.stderr, p)
		}
		return exitFail
	}
	g := graph.New(fl)
	var opts graph.Options
	if *exec != "" {
		c, err := newClient(e, *endpoint)
		if err != nil {
			return fail(e, "graph", err)
		}
		name := *flowFlag
		if name == "" {
			name = flowName(file, src)
		}
		evs, err := history(c, name, *exec)
		if err != nil {
			return fail(e, "graph", err)
		}
		opts = overlay(timeline.Build(fl, fromAPI(evs)))
	}
	var b []byte
	switch f {
	case "svg":
		b = g.SVG(opts)
	case "mermaid":
		b = []byte(g.Mermaid(opts))
	default:
		b = []byte(g.DOT(opts))
	}
	if *out == "" {
		_, err = e.stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		return fail(e, "graph", err)
	}
	return exitOK
}
