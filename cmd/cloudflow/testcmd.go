package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/flowtest"
)

// isTestFile reports whether a file name is a test file's.
func isTestFile(name string) bool {
	for _, ext := range []string{".test.yaml", ".test.yml", ".test.json"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// testFiles expands the paths: a directory yields the test files under it.
func testFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if !d.IsDir() && isTestFile(d.Name()) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func testCmd(ctx context.Context, e env, args []string) int {
	fset := newFlags(e, "test")
	junit := fset.String("junit", "", "also write the results as JUnit XML to `file`")
	pos, code, ok := parse(fset, e, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		pos = []string{"."}
	}
	files, err := testFiles(pos)
	if err != nil {
		return fail(e, "test", err)
	}
	if len(files) == 0 {
		_, _ = fmt.Fprintf(e.stderr, "cloudflow test: no test files (*.test.yaml, *.test.yml, *.test.json) in %v\n", pos)
		return exitFail
	}
	passed, failed := 0, 0
	var suites []flowtest.Suite
	for _, file := range files {
		s := flowtest.Suite{Path: file}
		f, err := flowtest.ParseFile(file)
		if err == nil {
			s.Results, err = f.Run(ctx)
		}
		if err != nil {
			s.Err = err
			failed++
			var is flowtest.Issues
			if errors.As(err, &is) && f == nil { // the test file's own problems
				for _, x := range is {
					_, _ = fmt.Fprintf(e.stdout, "ERROR %s\n", problem{File: file, Line: x.Line, Column: x.Column, Path: x.Path, Message: x.Msg})
				}
			} else {
				_, _ = fmt.Fprintf(e.stdout, "ERROR %s: %v\n", file, err)
			}
			suites = append(suites, s)
			continue
		}
		for _, r := range s.Results {
			if r.Passed() {
				passed++
				_, _ = fmt.Fprintf(e.stdout, "PASS  %s: %s (%s)\n", file, r.Case.Name, short(r.Elapsed))
				continue
			}
			failed++
			_, _ = fmt.Fprintf(e.stdout, "FAIL  %s:%d: %s: %s\n", file, r.Case.Line, r.Case.Name, strings.Join(r.Failures, "; "))
		}
		suites = append(suites, s)
	}
	if *junit != "" {
		out, err := os.Create(*junit)
		if err == nil {
			err = flowtest.WriteJUnit(out, suites)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fail(e, "test", fmt.Errorf("-junit: %w", err))
		}
	}
	_, _ = fmt.Fprintf(e.stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return exitFail
	}
	return exitOK
}
