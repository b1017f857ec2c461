package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

func TestCLI_Help(t *testing.T) {
	r := cli(t, nil, "-h")
	r.want(t, 0, "validate", "graph", "run", "test", "apply", "describe", "report-failure", "CLOUDFLOW_ENDPOINT", "ALIBABA_CLOUD_ACCESS_KEY_ID")
	cli(t, nil, "-version").want(t, 0, "cloudflow ")
	cli(t, nil, "run", "-h").want(t, 0, "-input", "-mock", "-case", "-time-scale", "-mode", "-history")
	cli(t, nil, "describe", "-h").want(t, 0, "-wait", "CLOUDFLOW_ENDPOINT", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	if r := cli(t, nil, "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr %q; want 2 naming it", r.code, r.stderr)
	}
	if r := cli(t, nil, "run"); r.code != 2 || !strings.Contains(r.stderr, "want 1 argument") {
		t.Errorf("run without a file: exit %d, stderr %q; want 2", r.code, r.stderr)
	}
}

// badFlow has two problems: an unknown field and a Next to nowhere.
const badFlow = `Type: StateMachine
SpecVersion: v1
StartAt: A
States:
  - Name: A
    Type: Pass
    Nxet: B
    End: true
  - Name: B
    Type: Pass
    Next: Nowhere
`

func TestCLI_Validate(t *testing.T) {
	cli(t, nil, "validate", examples("order", "order.yaml"), examples("legacy", "greeting.yaml")).want(t, 0)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(badFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	r := cli(t, nil, "validate", bad)
	r.want(t, 1)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	located := regexp.MustCompile(`^` + regexp.QuoteMeta(bad) + `:(\d+):(\d+): (States\[\d\]\(\w+\)\S*): .+`)
	var got []string
	for _, l := range lines {
		m := located.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %q is not FILE:LINE:COL: STATE.PATH: message", l)
			continue
		}
		got = append(got, m[1]+":"+m[2]+" "+m[3])
	}
	// Line 7 holds the misspelt Nxet, line 11 the Next to a missing state.
	if len(got) < 2 || !strings.HasPrefix(got[0], "7:5 States[0](A)") || !containsPrefix(got, "11:") {
		t.Errorf("problems at %q, want one at 7:5 in States[0](A) and one on line 11", got)
	}
	// -format json holds the same problems.
	var probs []problem
	j := cli(t, nil, "validate", "-format", "json", bad)
	j.want(t, 1)
	if err := json.Unmarshal([]byte(j.stdout), &probs); err != nil {
		t.Fatalf("-format json: %v\n%s", err, j.stdout)
	}
	if len(probs) != len(lines) || probs[0].File != bad || probs[0].Line != 7 || probs[0].Column != 5 || probs[0].String() != lines[0] {
		t.Errorf("json problems %+v do not match the text lines %q", probs, lines)
	}
	cli(t, nil, "validate", filepath.Join(t.TempDir(), "missing.yaml")).want(t, 1, "missing.yaml: ")
}

func containsPrefix(list []string, p string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func TestCLI_Graph(t *testing.T) {
	order := examples("order", "order.yaml")
	m := cli(t, nil, "graph", order, "-format", "mermaid")
	m.want(t, 0, "flowchart TD", `"CheckOrder<br/>`, `-.->|"Payment.Declined"|`, `-->|"Default"|`)
	cli(t, nil, "graph", "-format", "dot", order).want(t, 0, `digraph "order"`, `"Charge" -> "Release" [label="Payment.Declined"`)
	out := filepath.Join(t.TempDir(), "order.svg")
	cli(t, nil, "graph", order, "-o", out).want(t, 0)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]bool{}
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" {
			for _, a := range se.Attr {
				if a.Name.Local == "data-state" {
					states[a.Value] = true
				}
			}
		}
	}
	for _, s := range []string{"CheckOrder", "Reserve", "Charge", "Ship", "Release", "PaymentDeclined", "EmptyOrder"} {
		if !states[s] {
			t.Errorf("SVG has no node for %s (has %v)", s, states)
		}
	}
	// The -o extension picks the format.
	mmd := filepath.Join(t.TempDir(), "fanout.mmd")
	cli(t, nil, "graph", examples("fanout", "thumbnails.yaml"), "-o", mmd).want(t, 0)
	if b, _ := os.ReadFile(mmd); !strings.HasPrefix(string(b), "flowchart TD") || !strings.Contains(string(b), `"Processor"`) {
		t.Errorf("-o x.mmd wrote %q, want a Mermaid chart with the Map processor", b)
	}
}

func TestCLI_Run(t *testing.T) {
	order, mock := examples("order", "order.yaml"), examples("order", "order.mock.yaml")
	in := `{"orderId":"o-1","total":42,"items":[{"sku":"book"}]}`
	r := cli(t, nil, "run", order, "-input", in, "-mock", mock, "-time-scale", "0")
	r.want(t, 0)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out["receipt"] != "rcpt-1" || out["status"] != "shipped" {
		t.Errorf("run output %q, want the shipped order with receipt rcpt-1", r.stdout)
	}
	// A mock case fails the run: exit 1, the error and cause on stderr.
	f := cli(t, nil, "run", order, "-input", in, "-mock", mock, "-case", "declined", "-time-scale", "0", "-history")
	f.want(t, 1)
	for _, s := range []string{"Failed: Order.PaymentDeclined: the card was declined", "Charge", "caught", "Release"} {
		if !strings.Contains(f.stderr, s) {
			t.Errorf("declined run stderr lacks %q:\n%s", s, f.stderr)
		}
	}
	if f.stdout != "" {
		t.Errorf("a failed run printed %q on stdout", f.stdout)
	}
	cli(t, nil, "run", order, "-mock", mock, "-case", "nosuch").want(t, 1)
	// Input from a file, and a throttled case with its retries skipped.
	inFile := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(inFile, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	th := cli(t, nil, "run", order, "-input", "@"+inFile, "-mock", mock, "-case", "throttled", "-time-scale", "0", "-history")
	th.want(t, 0, `"status":"shipped"`)
	if !strings.Contains(th.stderr, "2 retries") {
		t.Errorf("history lacks the 2 retries of Reserve:\n%s", th.stderr)
	}
	if el := time.Since(start); el > 30*time.Second {
		t.Errorf("the throttled run took %v; -time-scale 0 should skip the backoff", el)
	}
	cli(t, nil, "run", order, "-input", "[1]").want(t, 1)
}

const failingTest = `Flow: ../order.yaml
Mock: ../order.mock.yaml
Cases:
  - Name: ships
    Input: {orderId: o-1, total: 1, items: [x]}
    Expect:
      OutputIncludes: {status: shipped}
  - Name: wrongly expects a failure
    Input: {orderId: o-2, total: 1, items: [x]}
    Expect:
      Status: Failed
      Error: Order.Empty
`

func TestCLI_Test(t *testing.T) {
	r := cli(t, nil, "test", examples())
	r.want(t, 0, "PASS  ")
	if !regexp.MustCompile(`(?m)^\d+ passed, 0 failed\n$`).MatchString(r.stdout) || strings.Contains(r.stdout, "FAIL") {
		t.Errorf("test examples:\n%s", r.stdout)
	}
	// A failing case: exit 1, its line, the summary, and JUnit XML.
	dir := filepath.Join(t.TempDir(), "tests")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"order.yaml", "order.mock.yaml"} {
		b, err := os.ReadFile(examples("order", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(filepath.Dir(dir), f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "order.test.yaml"), []byte(failingTest), 0o644); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(t.TempDir(), "junit.xml")
	f := cli(t, nil, "test", dir, "-junit", junit)
	f.want(t, 1, "PASS  ", "FAIL  ", "wrongly expects a failure: status Succeeded, want Failed", `error "", want "Order.Empty"`)
	if !strings.HasSuffix(f.stdout, "1 passed, 1 failed\n") {
		t.Errorf("summary: %q", f.stdout)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	b, err := os.ReadFile(junit)
	if err != nil || xml.Unmarshal(b, &doc) != nil || doc.Tests != 2 || doc.Failures != 1 {
		t.Errorf("junit %s (%v) = %+v, want 2 tests, 1 failure", b, err, doc)
	}
}

func TestProgress_Draw(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, true)
	p.event(interp.Event{Type: interp.StepEntered, StepName: "ResizeAll"})
	p.event(interp.Event{Type: interp.IterationEntered, StepName: "ResizeAll"})
	p.event(interp.Event{Type: interp.IterationEntered, StepName: "ResizeAll"})
	p.event(interp.Event{Type: interp.StepEntered, StepName: "Resize"})
	p.event(interp.Event{Type: interp.IterationExited, StepName: "ResizeAll"})
	p.stop()
	out := b.String()
	if !strings.Contains(out, "\r\033[K▸ Resize  ") || !strings.Contains(out, "(Map ResizeAll: 1 done, 2 started)") || !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("progress output %q", out)
	}
	var quiet strings.Builder
	q := newProgress(&quiet, false)
	q.event(interp.Event{Type: interp.StepEntered, StepName: "A"})
	q.stop()
	if quiet.Len() != 0 {
		t.Errorf("progress off a terminal wrote %q", quiet.String())
	}
}
