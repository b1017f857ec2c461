package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// A result is one measured figure of one build: a line "build<TAB>metric<TAB>value" of the
// results file .ci/bench-durable writes. A value that is not a number is the reason the figure is
// missing ("n/a: ...", "did not finish in 300 s ...").
type result struct {
	build, metric, value string
}

// parseResults reads the results file; blank lines are skipped, any other line must have three
// tab-separated fields with a non-empty build and metric.
func parseResults(r io.Reader) ([]result, error) {
	var out []result
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("results line %d: want build<TAB>metric<TAB>value, got %q", n, line)
		}
		out = append(out, result{build: f[0], metric: f[1], value: strings.TrimSpace(f[2])})
	}
	return out, sc.Err()
}

// number parses a figure; ok is false for a reason text (and for NaN or infinities).
func number(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// formatFigure prints a figure with the precision its size deserves: whole numbers (counts, and
// figures from 100 on) thousands-separated, one decimal from 10, two below; the size is judged
// after rounding, so 99.96 is "100" and 9.999 is "10.0".
func formatFigure(v float64) string {
	a := math.Abs(v)
	switch {
	case a == math.Trunc(a) || a >= 99.95:
		s := strconv.FormatFloat(math.Round(a), 'f', 0, 64)
		var b strings.Builder
		if v < 0 && s != "0" {
			b.WriteByte('-')
		}
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		return b.String()
	case a >= 9.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// sideBySide renders the figures of builds before and after, one row a metric in the order the
// metrics first appear: metric, before, after, after/before. A missing figure shows as
// "n/a[k]" with its reason as footnote k below the table (one footnote for equal reasons); a
// metric measured for one build only shows "n/a" for the other. The ratio is "-" unless both
// figures are numbers and before is not zero. The headers name the two builds.
func sideBySide(rs []result, before, after, beforeHeader, afterHeader string) string {
	type row struct{ b, a string }
	rows := map[string]*row{}
	var order []string
	for _, r := range rs {
		if r.build != before && r.build != after {
			continue
		}
		w := rows[r.metric]
		if w == nil {
			w = &row{}
			rows[r.metric] = w
			order = append(order, r.metric)
		}
		if r.build == before {
			w.b = r.value
		} else {
			w.a = r.value
		}
	}
	var notes []string
	noteOf := map[string]int{}
	cell := func(v string) string {
		if v == "" {
			return "n/a"
		}
		if f, ok := number(v); ok {
			return formatFigure(f)
		}
		k, seen := noteOf[v]
		if !seen {
			notes = append(notes, v)
			k = len(notes)
			noteOf[v] = k
		}
		return fmt.Sprintf("n/a[%d]", k)
	}
	table := [][]string{{"metric", beforeHeader, afterHeader, "after/before"}}
	for _, m := range order {
		w := rows[m]
		ratio := "-"
		b, okB := number(w.b)
		a, okA := number(w.a)
		if okB && okA && b != 0 {
			ratio = strconv.FormatFloat(a/b, 'f', 2, 64) + "x"
		}
		table = append(table, []string{m, cell(w.b), cell(w.a), ratio})
	}
	width := make([]int, 4)
	for _, t := range table {
		for i, c := range t {
			width[i] = max(width[i], len(c))
		}
	}
	var sb strings.Builder
	for _, t := range table {
		fmt.Fprintf(&sb, "%-*s", width[0], t[0])
		for i := 1; i < len(t); i++ {
			fmt.Fprintf(&sb, "  %*s", width[i], t[i])
		}
		sb.WriteByte('\n')
	}
	for i, n := range notes {
		fmt.Fprintf(&sb, "[%d] %s\n", i+1, n)
	}
	return sb.String()
}

// table prints the side-by-side table of a results file.
func table(args []string) error {
	fs := flag.NewFlagSet("table", flag.ExitOnError)
	before := fs.String("before", "before", "build name of the before column in the results file")
	after := fs.String("after", "after", "build name of the after column in the results file")
	beforeHeader := fs.String("before-header", "before", "the before column's header")
	afterHeader := fs.String("after-header", "after", "the after column's header")
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("table: want one results file, got %d arguments", fs.NArg())
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	rs, err := parseResults(f)
	if err != nil {
		return err
	}
	_, err = fmt.Print(sideBySide(rs, *before, *after, *beforeHeader, *afterHeader))
	return err
}
