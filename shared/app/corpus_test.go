package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The public-flow corpus (issue 14): forty flows people published for
// CloudFlow, kept outside the repository in ../shared/corpus/cloudflow-wild
// (relative to the repository root) and rendered by its render.py as their
// deploy tools would.

// corpusDir is the corpus, relative to this package (the repository root is
// two levels up).
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus", "cloudflow-wild")

// corpusRejected lists the flows CreateFlow must refuse (the corpus README)
// and what the error must name.
var corpusRejected = map[string]string{
	"04": `action "ocr:RecognizeIdentityCard" is not supported`,
	"07": `action "facebody:DetectFace" is not supported`,
	"27": `resourceArn "<resource-arn>"`,
	"30": `MNS resourceArn`,
	"40": `Action "DashScope:QwenTextGeneration" is not supported`,
}

// renderCorpus renders every corpus flow with render.py; it skips the test
// when the corpus or python3 is missing.
func renderCorpus(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "flows", "*.yaml"))
	if len(files) == 0 {
		t.Skipf("corpus not found at %s (it lives beside the repository as ../shared/corpus/cloudflow-wild)", corpusDir)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: it renders the corpus flows (render.py)")
	}
	args := append([]string{"-c", renderAll, filepath.Join(corpusDir, "render.py")}, files...)
	b, err := exec.Command(py, args...).Output()
	if err != nil {
		t.Fatalf("render.py: %v", err)
	}
	var rendered map[string]string
	if err := json.Unmarshal(b, &rendered); err != nil {
		t.Fatalf("render.py output: %v", err)
	}
	out := map[string]string{}
	for f, def := range rendered {
		out[filepath.Base(f)] = def
	}
	return out
}

// renderAll runs render.py (argv[1]) on each file that follows, in one
// Python process, and prints {file: rendered text} as JSON.
const renderAll = `import contextlib, io, json, runpy, sys
script, files = sys.argv[1], sys.argv[2:]
out = {}
for f in files:
    buf = io.StringIO()
    sys.argv = [script, f]
    with contextlib.redirect_stdout(buf):
        runpy.run_path(script, run_name="__main__")
    out[f] = buf.getvalue()
sys.__stdout__.write(json.dumps(out))
`

// fdlName matches the flow name written in a definition (Name or name at
// the top level).
var fdlName = regexp.MustCompile(`(?m)^(?:Name|name):\s*([A-Za-z_][A-Za-z0-9_-]*)\s*$`)

// corpusFlowName is the API name of a corpus flow: the name it declares, or
// one made from its file name.
func corpusFlowName(file, def string) string {
	if m := fdlName.FindStringSubmatch(def); m != nil {
		return m[1]
	}
	base := strings.TrimSuffix(file, ".yaml")
	return "wild_" + regexp.MustCompile(`[^A-Za-z0-9_-]`).ReplaceAllString(base, "_")
}

// postAPI calls one operation over real HTTP.
func postAPI(t *testing.T, base, action string, params map[string]string) (int, map[string]any) {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	resp, err := http.PostForm(base+"/?Action="+action+"&Version=2019-03-15", form)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s: body %q: %v", action, raw, err)
	}
	return resp.StatusCode, body
}

// TestCorpus_CreateFlow sends every rendered corpus flow to CreateFlow over
// HTTP: all are accepted except the five the corpus README lists, whose
// errors name the unsupported construct.
func TestCorpus_CreateFlow(t *testing.T) {
	flows := renderCorpus(t)
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	accepted := 0
	for file, def := range flows {
		t.Run(file, func(t *testing.T) {
			code, body := postAPI(t, srv.URL, "CreateFlow", map[string]string{
				"Name": corpusFlowName(file, def), "Definition": def, "Description": "corpus " + file,
			})
			want, rejected := corpusRejected[file[:2]]
			switch {
			case rejected && (code != http.StatusBadRequest || body["Code"] != "InvalidArgument" || !strings.Contains(str(body["Message"]), want)):
				t.Errorf("CreateFlow = %d %v, want 400 InvalidArgument naming %s", code, body, want)
			case !rejected && code != http.StatusOK:
				t.Errorf("CreateFlow = %d %v, want 200", code, body)
			case !rejected:
				accepted++
			}
		})
	}
	if want := len(flows) - len(corpusRejected); accepted != want {
		t.Errorf("%d corpus flows accepted, want %d", accepted, want)
	}
}

// corpusMocks answers the Task states of the corpus flows run below.
const corpusMocks = `States:
  copy_files:
    - Return: {Body: {offset_bytes: 100, files_copied_total: 1}}
    - Return: {Body: {offset_bytes: -1, files_copied_total: 2}}
  BookTrainTicket: {Return: {Body: {transaction_id: t-1}}}
  BookFlight: {Return: {Body: {transaction_id: f-1}}}
  BookHotel: {Return: {Body: {transaction_id: h-1}}}
  longRunning: {Return: {Body: {result: done}}}
`

// corpusApp serves the given corpus flows, created under the given names,
// with the Task states answered from mocks.
func corpusApp(t *testing.T, flows map[string]string, mocks string, names map[string]string) *App {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mock.yaml")
	if err := os.WriteFile(path, []byte(mocks), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Store: StoreMemory, MockFile: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	for file, name := range names {
		def, ok := flows[file]
		if !ok {
			t.Fatalf("corpus flow %s is missing", file)
		}
		mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": name, "Definition": def})
	}
	return a
}

// runCorpus starts one execution and waits for its end.
func runCorpus(t *testing.T, a *App, flowName, name, input string) map[string]any {
	t.Helper()
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": flowName, "ExecutionName": name, "Input": input})
	return waitDone(t, a, flowName, name)
}

// TestCorpus_Run runs a handful of corpus flows end to end with mocked
// tasks; the expected outputs are worked out by hand from the flows.
func TestCorpus_Run(t *testing.T) {
	flows := renderCorpus(t)
	a := corpusApp(t, flows, corpusMocks, map[string]string{
		"35-devsapp-fnf-helloworld.yaml":                            "helloworld",
		"13-oss-batch-copy-copy-oss-files.yaml":                     "copy_files_flow",
		"33-trip-booking-order-processing-triporderprocessing.yaml": "trip",
		"24-post-execution-actions-child.yaml":                      "post-actions-subflow",
		"25-post-execution-actions-main.yaml":                       "post-actions-main",
	})
	tests := []struct {
		name, flow, input, output string
	}{
		// v1beta1 (decision 60): one pass step, whose $local is {}.
		{"helloworld", "helloworld", `{"x":1}`, `{}`},
		// copy_files runs twice: the choice reads $context.step.eventId
		// (decision 61, far below 4000) and loops while offset_bytes != -1,
		// then falls through to succeed; the output is the union of $local.
		{"oss batch copy", "copy_files_flow", `{"bucket":"b"}`, `{"files_copied_total":2,"offset_bytes":-1}`},
		// v1beta1: three bookings, then the flow outputMappings.
		{"trip booking", "trip",
			`{"trip_order_id":"o-1","book_train_ticket_result":"ok","book_flight_result":"ok","book_hotel_result":"ok"}`,
			`{"book_flight_transaction_id":"f-1","book_hotel_transaction_id":"h-1","book_train_ticket_transaction_id":"t-1","trip_order_id":"o-1"}`},
		// serviceParams Input $ and ExecutionName $.subflowExecName
		// (decision 62): the sync child's output is the step's $local.
		{"post execution actions", "post-actions-main", `{"subflowInput":{"n":1},"subflowExecName":"child-1"}`, `{"result":"done"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := runCorpus(t, a, tc.flow, "run-1", tc.input)
			if d["Status"] != "Succeeded" || str(d["Output"]) != tc.output {
				t.Errorf("execution = %v %v, want Succeeded with %s", d["Status"], d["Output"], tc.output)
			}
		})
	}
	child := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "post-actions-subflow", "ExecutionName": "child-1"})
	if child["Status"] != "Succeeded" || str(child["Input"]) != `{"subflowExecName":"child-1","subflowInput":{"n":1}}` {
		t.Errorf("child = %v %v, want Succeeded with the parent step's input", child["Status"], child["Input"])
	}
}

// TestCorpus_Run_TripCompensation: when BookFlight fails with
// BookFlightError the trip flow cancels the train ticket and fails at the
// step that follows it (OrderFailed1).
func TestCorpus_Run_TripCompensation(t *testing.T) {
	flows := renderCorpus(t)
	mocks := `States:
  BookTrainTicket: {Return: {Body: {transaction_id: t-1}}}
  BookFlight: {Error: BookFlightError, Cause: no seats}
  CancelTrainTicket: {Return: {Body: {}}}
`
	a := corpusApp(t, flows, mocks, map[string]string{"33-trip-booking-order-processing-triporderprocessing.yaml": "trip"})
	in := `{"trip_order_id":"o-1","book_train_ticket_result":"ok","book_flight_result":"ok","cancel_train_ticket_result":"ok"}`
	if d := runCorpus(t, a, "trip", "run-1", in); d["Status"] != "Failed" {
		t.Fatalf("execution = %v, want Failed at OrderFailed1", d)
	}
	var steps []string
	for _, ev := range history(t, a, "trip", "run-1", 100) {
		if ev["Type"] == "StepEntered" {
			steps = append(steps, str(ev["StepName"]))
		}
	}
	if got, want := strings.Join(steps, ","), "BookTrainTicket,BookFlight,CancelTrainTicket,OrderFailed1"; got != want {
		t.Errorf("steps = %s, want %s", got, want)
	}
}

// TestCorpus_Run_WaitForChild runs the parallel-wait-any demo: the parent
// (22) starts its child (23) with serviceParams Input $ holding
// $context.task.token and waits; the child's three tasks run; whoever holds
// the token (here the test, in the place of the child's functions) reports
// the child's output, which becomes the parent's (decisions 61, 62).
func TestCorpus_Run_WaitForChild(t *testing.T) {
	flows := renderCorpus(t)
	mocks := `States:
  task1: {Return: {Body: {status: ok1}}}
  task2: {Return: {Body: {status: ok2}}}
  task3: {Return: {Body: {status: ok3}}}
`
	a := corpusApp(t, flows, mocks, map[string]string{
		"22-parallel-wait-any-demo-main.yaml":    "waitany",
		"23-parallel-wait-any-demo-subflow.yaml": "subFlowTest",
	})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "waitany", "ExecutionName": "run-1"})
	var child map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for child == nil {
		list, _ := mustCall(t, a.Handler, "ListExecutions", map[string]string{"FlowName": "subFlowTest"})["Executions"].([]any)
		if len(list) == 1 {
			name := str(list[0].(map[string]any)["Name"])
			if d := waitDone(t, a, "subFlowTest", name); d["Status"] == "Succeeded" {
				child = d
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("child executions = %v, want one that succeeds", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if str(child["Output"]) != `{"result":["ok1","ok2","ok3"]}` {
		t.Fatalf("child output = %s, want the three statuses", str(child["Output"]))
	}
	var in struct {
		TaskToken string `json:"task_token"`
	}
	if err := json.Unmarshal([]byte(str(child["Input"])), &in); err != nil || in.TaskToken == "" {
		t.Fatalf("child input = %s, want the parent's task_token", str(child["Input"]))
	}
	reportSucceeded(t, a, in.TaskToken, str(child["Output"]))
	if d := waitDone(t, a, "waitany", "run-1"); d["Status"] != "Succeeded" || str(d["Output"]) != `{"result":["ok1","ok2","ok3"]}` {
		t.Errorf("parent = %v %v, want Succeeded with the reported output", d["Status"], d["Output"])
	}
}
