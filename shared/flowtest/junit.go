package flowtest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Suite is the results of one test file, for WriteJUnit.
type Suite struct {
	Path    string    // the test file
	Results []*Result // nil when Err is set
	Err     error     // the file could not be run (bad test, flow or mock file)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the suites as JUnit XML (the <testsuites> form CI
// systems read): one <testsuite> per test file, one <testcase> per case, a
// <failure> listing a failed case's unmet expectations, and for a file that
// could not run one <testcase> with an <error>.
func WriteJUnit(w io.Writer, suites []Suite) error {
	out := junitSuites{}
	for _, s := range suites {
		js := junitSuite{Name: s.Path}
		var total time.Duration
		if s.Err != nil {
			js.Tests, js.Errors = 1, 1
			js.Cases = append(js.Cases, junitCase{Name: "(file)", ClassName: s.Path, Time: seconds(0),
				Error: &junitMessage{Message: "the test file could not run", Text: s.Err.Error()}})
		}
		for _, r := range s.Results {
			jc := junitCase{Name: r.Case.Name, ClassName: s.Path, Time: seconds(r.Elapsed)}
			if !r.Passed() {
				jc.Failure = &junitMessage{Message: r.Failures[0], Text: strings.Join(r.Failures, "\n")}
				js.Failures++
			}
			js.Tests++
			total += r.Elapsed
			js.Cases = append(js.Cases, jc)
		}
		js.Time = seconds(total)
		out.Tests += js.Tests
		out.Failures += js.Failures
		out.Errors += js.Errors
		out.Suites = append(out.Suites, js)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
