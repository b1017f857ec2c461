package flowtest

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

func TestFile_Run(t *testing.T) {
	f, err := ParseFile("testdata/pay.test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rs, err := f.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The retry interval (600 s), the Wait (300 s) and the mock delay
	// (3600 s) are skipped at the default time scale 0.
	if el := time.Since(start); el > 30*time.Second {
		t.Errorf("the cases took %v; pauses were not skipped", el)
	}
	var got [][]string
	for _, r := range rs {
		got = append(got, r.Failures)
	}
	want := [][]string{
		nil,
		nil,
		{
			`output {"approved":true,"receipt":"r-2"} does not include {"receipt":"r-3"}`,
			"states entered [Charge Pause Approve], want [Approve Charge] in this order",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("failures = %q\nwant %q", got, want)
	}
	if r := rs[1].Outcome.Result; r.Status != interp.Failed || r.Error != "Declined" {
		t.Errorf("declined result = %+v", r)
	}
}

func TestParse_Issues(t *testing.T) {
	_, err := ParseFile("testdata/bad.test.yaml")
	var is Issues
	if !errors.As(err, &is) {
		t.Fatalf("ParseFile(bad) = %v, want Issues", err)
	}
	want := []string{
		"Mode (line 2, column 7): want Standard or Express",
		"Cases[0].Inptu (line 5, column 5): unknown key; want Name, Input, TimeScale, Mocks or Expect",
		"Cases[0].Expect.Status (line 6, column 22): want Succeeded, Failed, TimedOut or Stopped",
		`Cases[1].Name (line 7, column 11): a case named "a" already exists`,
		"Cases[1].Mocks.States.Charge.Retrun (line 10, column 18): unknown key",
		"Cases[1].Mocks.States.Charge (line 10, column 17): want Return or Error",
	}
	var got []string
	for _, i := range is {
		got = append(got, i.String())
	}
	if len(got) != len(want) {
		t.Fatalf("issues = %q\nwant %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("issue %d = %q, want it to start with %q", i, got[i], want[i])
		}
	}
}

func TestRun_CallbackReportedFromMockError(t *testing.T) {
	fl, err := flow.Parse([]byte(`Type: StateMachine
SpecVersion: v1
StartAt: Ask
States:
  - Name: Ask
    Type: Task
    Action: Mock:Ask
    TaskMode: WaitForCustomCallback
    Catch:
      - Errors: [Rejected]
        Next: No
    End: true
  - {Name: No, Type: Pass, End: true}
`), flow.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var types []interp.EventType
	o := Run(context.Background(), fl, interp.Execution{Name: "x", Input: json.RawMessage(`{}`)}, Options{
		Tasks: runnerFunc(func(context.Context, interp.TaskCall) (any, error) {
			return nil, &interp.Error{Name: "Rejected", Detail: "no"}
		}),
		Clock:   interp.ScaledClock(0),
		OnEvent: func(ev interp.Event) { types = append(types, ev.Type) },
	})
	if o.Result.Status != interp.Succeeded {
		t.Fatalf("result = %+v, want Succeeded through the Catch", o.Result)
	}
	if got := Entered(o.Events); !reflect.DeepEqual(got, []string{"Ask", "No"}) {
		t.Errorf("entered = %v, want [Ask No]", got)
	}
	if len(types) != len(o.Events) || !containsType(types, interp.TaskSubmitted) || !containsType(types, interp.TaskFailed) {
		t.Errorf("OnEvent saw %v", types)
	}
}

type runnerFunc func(context.Context, interp.TaskCall) (any, error)

func (f runnerFunc) Invoke(ctx context.Context, c interp.TaskCall) (any, error) { return f(ctx, c) }

func containsType(ts []interp.EventType, t interp.EventType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func TestWriteJUnit(t *testing.T) {
	f, err := ParseFile("testdata/pay.test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := f.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJUnit(&b, []Suite{{Path: f.Path, Results: rs}, {Path: "broken.test.yaml", Err: errors.New("Flow: missing")}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
				Error *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, b.String())
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 2 {
		t.Fatalf("totals tests=%d failures=%d errors=%d suites=%d, want 4 1 1 2", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	c := doc.Suites[0].Cases[2]
	if c.Name != "wrong expectations" || c.Failure == nil || !strings.Contains(c.Failure.Text, "does not include") {
		t.Errorf("third case = %+v", c)
	}
	if doc.Suites[1].Cases[0].Error == nil {
		t.Errorf("broken file has no <error>")
	}
}
