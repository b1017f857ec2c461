package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// problem is one validation problem, as -format json prints it.
type problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// String prints FILE:LINE:COL: STATE.PATH: message, leaving out what is
// unknown.
func (p problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc += fmt.Sprintf(":%d:%d", p.Line, p.Column)
	}
	if p.Path != "" {
		loc += ": " + p.Path
	}
	return loc + ": " + p.Message
}

func parseMode(s string) (flow.Mode, error) {
	switch strings.ToLower(s) {
	case "", "standard":
		return flow.Standard, nil
	case "express":
		return flow.Express, nil
	}
	return "", fmt.Errorf("-mode %q: want standard or express", s)
}

func validateCmd(_ context.Context, e env, args []string) int {
	fs := newFlags(e, "validate")
	format := fs.String("format", "text", "output `format`: text (FILE:LINE:COL: STATE.PATH: message) or json (a list of {file, line, column, path, message})")
	modeFlag := fs.String("mode", "", "check the flows for this execution `mode`: standard or express (default: the file's ExecutionMode, else standard)")
	pos, code, ok := parse(fs, e, args)
	if !ok {
		return code
	}
	if !wantArgs(fs, e, pos, 1, -1) {
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		_, _ = fmt.Fprintf(e.stderr, "cloudflow validate: -format %q: want text or json\n", *format)
		return exitUsage
	}
	problems := []problem{}
	for _, file := range pos {
		problems = append(problems, validateFile(file, *modeFlag)...)
	}
	if *format == "json" {
		b, _ := json.MarshalIndent(problems, "", "  ")
		_, _ = fmt.Fprintln(e.stdout, string(b))
	} else {
		for _, p := range problems {
			_, _ = fmt.Fprintln(e.stdout, p)
		}
		if len(problems) == 0 {
			_, _ = fmt.Fprintf(e.stderr, "%d file(s) valid\n", len(pos))
		}
	}
	if len(problems) > 0 {
		return exitFail
	}
	return exitOK
}

// validateFile parses one flow file and returns its problems.
func validateFile(file, modeFlag string) []problem {
	src, err := os.ReadFile(file)
	if err != nil {
		return []problem{{File: file, Message: err.Error()}}
	}
	mode := modeFlag
	if mode == "" {
		mode = fileHeader(src).mode
	}
	m, err := parseMode(mode)
	if err != nil {
		return []problem{{File: file, Message: err.Error()}}
	}
	if _, err := flow.Parse(src, flow.ParseOptions{Mode: m}); err != nil {
		var is flow.Issues
		if !errors.As(err, &is) {
			return []problem{{File: file, Message: err.Error()}}
		}
		out := make([]problem, len(is))
		for i, x := range is {
			out[i] = problem{File: file, Line: x.Line, Column: x.Column, Path: x.Path, Message: x.Msg}
		}
		return out
	}
	return nil
}
