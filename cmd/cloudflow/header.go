package main

import (
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// header is what a definition file says about itself beyond its states.
type header struct {
	name string // Name (new FDL) or name (legacy); "" when absent
	mode string // ExecutionMode; "" when absent
}

// fileHeader reads the top-level Name and ExecutionMode of a definition,
// ignoring anything it cannot read (validation reports that).
func fileHeader(src []byte) header {
	var top map[string]any
	if err := yaml.Unmarshal(src, &top); err != nil {
		return header{}
	}
	str := func(k string) string { s, _ := top[k].(string); return s }
	h := header{name: str("Name"), mode: str("ExecutionMode")}
	if h.name == "" {
		h.name = str("name")
	}
	return h
}

// flowName is the flow name for a definition file: its Name, else the file
// name without its extensions.
func flowName(file string, src []byte) string {
	if n := fileHeader(src).name; n != "" {
		return n
	}
	base := filepath.Base(file)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}
