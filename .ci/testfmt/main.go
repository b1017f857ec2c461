// Command testfmt turns the event stream of `go test -json` into a readable progress log, so a
// long race run is not silent:
//
//	go test -race -count=1 -json ./... | go run ./.ci/testfmt
//
// It prints a line per package as it finishes (with its test count), every failing test with its
// output, the skipped tests of each package grouped by reason, build errors as they come, and a line every
// -heartbeat naming what is still building or running. At the end it prints a summary line and
// then go test's own closing lines ("ok  pkg 1.2s", "FAIL pkg ...", and a final "FAIL" when
// anything failed). It exits 1 when a test, package or build failed, and 2 when the input held no
// test events at all.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// event is one line of `go test -json` (cmd/test2json), build events included.
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Elapsed    float64
	Output     string
}

func main() {
	heartbeat := flag.Duration("heartbeat", 30*time.Second, "how often to name the packages still running (0: never)")
	flag.Parse()
	os.Exit(run(os.Stdin, os.Stdout, *heartbeat, time.Now))
}

// key names a test of a package; Test is "" for the package itself.
type key struct{ pkg, test string }

// pkgResult is a finished package.
type pkgResult struct {
	line   string // go test's own closing line for it
	failed bool
}

type formatter struct {
	mu                      sync.Mutex
	out                     io.Writer
	now                     func() time.Time
	start                   time.Time
	output                  map[key][]string // buffered output per running test and package
	running                 map[string]time.Time
	tests                   map[string]int                 // tests passed per package
	skips                   map[string]map[string][]string // per package: skip reason → tests
	results                 map[string]pkgResult
	events                  int
	passed, failed, skipped int
	buildFailed             bool
}

// run formats the events read from in onto out and returns the exit status.
func run(in io.Reader, out io.Writer, heartbeat time.Duration, now func() time.Time) int {
	f := &formatter{out: out, now: now, start: now(), output: map[key][]string{}, running: map[string]time.Time{},
		tests: map[string]int{}, skips: map[string]map[string][]string{}, results: map[string]pkgResult{}}
	f.printf("testfmt: building and running the tests; a line per package as it finishes\n")
	done := make(chan struct{})
	if heartbeat > 0 {
		go f.beat(heartbeat, done)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		f.line(sc.Bytes())
	}
	close(done)
	if err := sc.Err(); err != nil {
		f.printf("testfmt: reading go test output: %v\n", err)
		return 1
	}
	return f.finish()
}

func (f *formatter) printf(format string, args ...any) { _, _ = fmt.Fprintf(f.out, format, args...) }

// elapsed is the time since the start as [mm:ss].
func (f *formatter) elapsed() string {
	d := f.now().Sub(f.start).Round(time.Second)
	return fmt.Sprintf("[%02d:%02d]", int(d.Minutes()), int(d.Seconds())%60)
}

// beat names the running packages every period until done is closed.
func (f *formatter) beat(period time.Duration, done <-chan struct{}) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			f.mu.Lock()
			if len(f.running) == 0 {
				f.printf("%s building (%d packages finished so far)\n", f.elapsed(), len(f.results))
			} else {
				names := make([]string, 0, len(f.running))
				for p, since := range f.running {
					names = append(names, fmt.Sprintf("%s (%s)", p, f.now().Sub(since).Round(time.Second)))
				}
				slices.Sort(names)
				f.printf("%s still running: %s\n", f.elapsed(), strings.Join(names, ", "))
			}
			f.mu.Unlock()
		}
	}
}

// line handles one input line: a JSON event, or anything else (go command messages), printed as is.
func (f *formatter) line(b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var e event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil || e.Action == "" {
		f.printf("%s\n", b)
		return
	}
	f.events++
	switch e.Action {
	case "build-output":
		f.printf("%s", e.Output)
	case "build-fail":
		f.buildFailed = true
	case "start":
		f.running[e.Package] = f.now()
	case "output":
		k := key{e.Package, e.Test}
		f.output[k] = append(f.output[k], e.Output)
	case "pass", "fail", "skip":
		if e.Test == "" {
			f.endPackage(e)
		} else {
			f.endTest(e)
		}
	}
}

// endTest reports a failed test with its output and collects a skipped one's reason for its
// package's line; a passing test is only counted.
func (f *formatter) endTest(e event) {
	k := key{e.Package, e.Test}
	lines := f.output[k]
	delete(f.output, k)
	switch e.Action {
	case "pass":
		f.passed++
		f.tests[e.Package]++
		return
	case "skip":
		f.skipped++
		reason := "no reason given"
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- ") {
				if _, r, ok := strings.Cut(l, ": "); ok && strings.Contains(l[:len(l)-len(r)], ".go:") {
					l = r // drop the file:line prefix of t.Skip
				}
				reason = l
				break
			}
		}
		if f.skips[e.Package] == nil {
			f.skips[e.Package] = map[string][]string{}
		}
		f.skips[e.Package][reason] = append(f.skips[e.Package][reason], e.Test)
		return
	case "fail":
		f.failed++
	}
	f.printf("%s FAIL %s in %s\n", f.elapsed(), e.Test, e.Package)
	for _, l := range lines {
		if strings.HasPrefix(l, "=== ") {
			continue // === RUN, PAUSE, CONT, NAME
		}
		f.printf("    %s", l)
	}
}

// endPackage records a finished package and prints its progress line; a failed package also
// shows its own output (a panic, a timeout, a TestMain failure).
func (f *formatter) endPackage(e event) {
	k := key{e.Package, ""}
	lines := f.output[k]
	delete(f.output, k)
	delete(f.running, e.Package)
	res := pkgResult{failed: e.Action == "fail"}
	for _, l := range lines {
		if strings.HasPrefix(l, "ok  \t") || strings.HasPrefix(l, "FAIL\t") || strings.HasPrefix(l, "?   \t") {
			res.line = strings.TrimRight(l, "\n")
		}
	}
	if res.line == "" {
		word := map[string]string{"pass": "ok  ", "fail": "FAIL", "skip": "?   "}[e.Action]
		res.line = fmt.Sprintf("%s\t%s\t%.3fs", word, e.Package, e.Elapsed)
	}
	f.results[e.Package] = res
	reasons := make([]string, 0, len(f.skips[e.Package]))
	for r := range f.skips[e.Package] {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		names := f.skips[e.Package][r]
		list := strings.Join(names[:min(len(names), 3)], ", ")
		if len(names) > 3 {
			list += fmt.Sprintf(" and %d more", len(names)-3)
		}
		f.printf("%s SKIP %d in %s (%s): %s\n", f.elapsed(), len(names), e.Package, list, r)
	}
	delete(f.skips, e.Package)
	switch {
	case e.Action == "skip":
		return // no test files: only in the closing lines
	case res.failed:
		f.printf("%s FAIL %s\n", f.elapsed(), e.Package)
		for _, l := range lines {
			f.printf("    %s", l)
		}
	default:
		f.printf("%s ok   %s (%d tests, %.1fs)\n", f.elapsed(), e.Package, f.tests[e.Package], e.Elapsed)
	}
}

// finish prints the summary and go test's closing lines, and returns the exit status.
func (f *formatter) finish() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.events == 0 {
		f.printf("testfmt: no go test -json events on the input\n")
		return 2
	}
	var ok, failed, none int
	pkgs := make([]string, 0, len(f.results))
	for p, r := range f.results {
		pkgs = append(pkgs, p)
		switch {
		case r.failed:
			failed++
		case strings.HasPrefix(r.line, "?"):
			none++
		default:
			ok++
		}
	}
	slices.Sort(pkgs)
	f.printf("testfmt: %s %d packages ok, %d failed, %d without tests; tests: %d passed, %d failed, %d skipped\n",
		f.elapsed(), ok, failed, none, f.passed, f.failed, f.skipped)
	for _, p := range pkgs {
		f.printf("%s\n", f.results[p].line)
	}
	if failed > 0 || f.failed > 0 || f.buildFailed {
		f.printf("FAIL\n")
		return 1
	}
	return 0
}
