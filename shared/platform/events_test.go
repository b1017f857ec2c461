package platform

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// eventsDir and functionsDir are the repository folders, relative to this package.
var (
	eventsDir    = filepath.Join("..", "..", "events")
	functionsDir = filepath.Join("..", "..", "functions")
)

// samplesSession is the local session that creates what every per-operation sample in
// events/ names: "orders" (Standard; its Wait keeps exec1 running for the whole test) with
// versions 1 and 2 and alias "live" routing to version 1, and "orders-express" (Express).
var samplesSession = filepath.Join(eventsDir, "local", "samples.json")

// ordersFDL is the definition the samples session gives the flow "orders".
func ordersFDL(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, "local", "flows", "orders.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readSession reads a session file with its definition files resolved.
func readSession(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if data, err = ResolveSession(data, filepath.Dir(path)); err != nil {
		t.Fatalf("ResolveSession(%s): %v", path, err)
	}
	return data
}

// newSeededService starts a real App on a MemStore and replays events/local/samples.json.
func newSeededService(t *testing.T) Service {
	t.Helper()
	svc := newService(t)
	err := RunSession(context.Background(), svc, readSession(t, samplesSession), func(r Response) error {
		if r.StatusCode != http.StatusOK {
			t.Fatalf("seed %s: HTTP %d %s", r.Action, r.StatusCode, r.Body)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return svc
}

// newService starts a real App on a MemStore.
func newService(t *testing.T) Service {
	t.Helper()
	a, err := app.New(app.Config{Store: app.StoreMemory, Workers: 2})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("App.Close: %v", err)
		}
	})
	return Service{API: a.Handler, OnEvent: a.OnEvent}
}

// call sends one more request to svc and returns the status and decoded body.
func call(t *testing.T, svc Service, action string, params map[string]string) (int, map[string]any) {
	t.Helper()
	step, _ := json.Marshal([]map[string]any{{"Action": action, "Parameters": params}})
	var status int
	var body map[string]any
	_ = RunSession(context.Background(), svc, step, func(r Response) error {
		status = r.StatusCode
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("%s: decode body %q: %v", action, r.Body, err)
		}
		return nil
	})
	return status, body
}

// kindDefinition marks the definition files that sessions name in their Files.
const kindDefinition EventKind = "definition"

// wantKindFor is the kind a sample must have, from its place in events/; "" is unrecognised.
func wantKindFor(rel string) EventKind {
	dir, name := filepath.Split(rel)
	dir = filepath.Clean(dir)
	switch {
	case name == "lambda-http-v2.json":
		return KindLambdaHTTPAPI
	case name == "lambda-rest-v1.json":
		return KindLambdaREST
	case name == "fc-http.txt":
		return KindFCHTTP
	case dir == "local" && filepath.Ext(name) == ".json":
		return KindSession
	case dir == filepath.Join("local", "flows") && filepath.Ext(name) == ".yaml":
		return kindDefinition
	case dir == "runner" && filepath.Ext(name) == ".json":
		return KindAsync
	}
	return ""
}

// check asserts operation-specific fields of one response body.
type check func(t *testing.T, svc Service, body map[string]any)

func field(t *testing.T, body map[string]any, key, want string) {
	t.Helper()
	if got, _ := body[key].(string); got != want {
		t.Errorf("%s = %q, want %q (body %v)", key, got, want, body)
	}
}

func fieldIn(t *testing.T, body map[string]any, key string, want ...string) {
	t.Helper()
	if got, _ := body[key].(string); !slices.Contains(want, got) {
		t.Errorf("%s = %q, want one of %q", key, got, want)
	}
}

func names(t *testing.T, body map[string]any, list string) []string {
	t.Helper()
	items, ok := body[list].([]any)
	if !ok {
		t.Fatalf("%s = %v, want a list", list, body[list])
	}
	var out []string
	for _, it := range items {
		m, _ := it.(map[string]any)
		n, _ := m["Name"].(string)
		out = append(out, n)
	}
	return out
}

func jsonField(t *testing.T, body map[string]any, key, want string) {
	t.Helper()
	got, _ := body[key].(string)
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s = %q, not JSON: %v", key, got, err)
	}
	_ = json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("%s = %s, want %s", key, gb, wb)
	}
}

// wantStatus is the HTTP status of the operation folders whose samples do
// not answer 200 (documented at their opChecks entries).
var wantStatus = map[string]int{
	"reporttasksucceeded": http.StatusBadRequest,
	"reporttaskfailed":    http.StatusBadRequest,
}

// opChecks holds, for each operation folder, what its samples must answer.
var opChecks = map[string]check{
	"createflow": func(t *testing.T, svc Service, b map[string]any) {
		field(t, b, "Name", "payments")
		field(t, b, "ExecutionMode", "Standard")
		field(t, b, "Type", "FDL")
		if st, d := call(t, svc, "DescribeFlow", map[string]string{"Name": "payments"}); st != 200 {
			t.Errorf("DescribeFlow payments after CreateFlow = %d %v, want 200", st, d)
		}
	},
	"describeflow": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "Name", "orders")
		field(t, b, "ExecutionMode", "Standard")
		field(t, b, "Definition", ordersFDL(t))
	},
	"updateflow": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "Name", "orders")
		field(t, b, "Description", "Order pipeline, revised")
	},
	"deleteflow": func(t *testing.T, svc Service, _ map[string]any) {
		st, d := call(t, svc, "DescribeFlow", map[string]string{"Name": "orders-express"})
		if st != http.StatusNotFound || d["Code"] != "FlowNotExists" {
			t.Errorf("DescribeFlow orders-express after DeleteFlow = %d %v, want 404 FlowNotExists", st, d)
		}
	},
	"listflows": func(t *testing.T, _ Service, b map[string]any) {
		if got := names(t, b, "Flows"); !slices.Contains(got, "orders") || !slices.Contains(got, "orders-express") {
			t.Errorf("Flows = %q, want orders and orders-express", got)
		}
	},
	"startexecution": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "Name", "exec2")
		field(t, b, "FlowName", "orders")
		fieldIn(t, b, "Status", "Starting", "Running")
		jsonField(t, b, "Input", `{"orderId":"1002","items":["tea"]}`)
	},
	"startsyncexecution": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "FlowName", "orders-express")
		field(t, b, "Status", "Succeeded")
		if n, _ := b["Name"].(string); !strings.HasPrefix(n, "quote:") {
			t.Errorf("Name = %q, want quote:{UUID}", n)
		}
		jsonField(t, b, "Output", `{"orderId":"1003","total":42}`)
	},
	"describeexecution": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "Name", "exec1")
		field(t, b, "FlowName", "orders")
		fieldIn(t, b, "Status", "Starting", "Running")
	},
	// The report samples carry a well-formed token of an execution the seed
	// does not hold (a live token's flow Id and random part cannot be known
	// when the sample is written): they answer 400 InvalidArgument (see
	// wantStatus).
	"reporttasksucceeded": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "Code", "InvalidArgument")
		field(t, b, "Message", "Parameter error. TaskToken names no execution.")
	},
	"reporttaskfailed": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "Code", "InvalidArgument")
		field(t, b, "Message", "Parameter error. TaskToken names no execution.")
	},
	"stopexecution": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "Name", "exec1")
		field(t, b, "Status", "Stopped")
	},
	"getexecutionhistory": func(t *testing.T, _ Service, b map[string]any) {
		// exec1 may not have persisted its first step yet: the committed
		// history is empty or starts with ExecutionStarted, numbered from 1.
		evs, ok := b["Events"].([]any)
		if !ok {
			t.Fatalf("Events = %v, want a list", b["Events"])
		}
		for i, ev := range evs {
			m, _ := ev.(map[string]any)
			if id, _ := m["EventId"].(float64); int(id) != i+1 {
				t.Errorf("Events[%d].EventId = %v, want %d", i, m["EventId"], i+1)
			}
			if i == 0 && m["Type"] != "ExecutionStarted" {
				t.Errorf("Events[0].Type = %v, want ExecutionStarted", m["Type"])
			}
		}
	},
	"listexecutions": func(t *testing.T, _ Service, b map[string]any) {
		if got := names(t, b, "Executions"); !slices.Contains(got, "exec1") {
			t.Errorf("Executions = %q, want exec1", got)
		}
	},
	"publishflowversion": func(t *testing.T, svc Service, b map[string]any) {
		field(t, b, "FlowName", "orders")
		field(t, b, "Version", "3") // the seed published 1 and 2
		field(t, b, "Description", "Third release")
		st, d := call(t, svc, "DescribeFlow", map[string]string{"Name": "orders", "FlowVersion": "3"})
		if st != http.StatusOK || d["Definition"] != ordersFDL(t) {
			t.Errorf("DescribeFlow orders version 3 = %d %v, want 200 with the orders definition", st, d)
		}
	},
	"listflowversions": func(t *testing.T, _ Service, b map[string]any) {
		items, _ := b["FlowVersions"].([]any)
		var got []string
		for _, it := range items {
			m, _ := it.(map[string]any)
			v, _ := m["Version"].(string)
			got = append(got, v)
		}
		if !slices.Equal(got, []string{"1", "2"}) {
			t.Errorf("FlowVersions = %q, want [1 2]", got)
		}
	},
	"deleteflowversion": func(t *testing.T, svc Service, _ map[string]any) {
		st, d := call(t, svc, "DescribeFlow", map[string]string{"Name": "orders", "FlowVersion": "2"})
		if st != http.StatusBadRequest || d["Code"] != "InvalidArgument" {
			t.Errorf("DescribeFlow orders version 2 after DeleteFlowVersion = %d %v, want 400 InvalidArgument", st, d)
		}
	},
	"createflowalias": func(t *testing.T, _ Service, b map[string]any) {
		field(t, b, "Name", "canary")
		field(t, b, "FlowName", "orders")
		field(t, b, "Description", "Canary traffic")
		if rc, _ := json.Marshal(b["RoutingConfigurations"]); string(rc) != `[{"Version":"1","Weight":90},{"Version":"2","Weight":10}]` {
			t.Errorf("RoutingConfigurations = %s, want versions 1 (90) and 2 (10)", rc)
		}
	},
	"updateflowalias": func(t *testing.T, _ Service, b map[string]any) {
		a, _ := b["Alias"].(map[string]any)
		field(t, a, "Name", "live")
		field(t, a, "Description", "Live traffic, moved")
		if rc, _ := json.Marshal(a["RoutingConfigurations"]); string(rc) != `[{"Version":"2","Weight":100}]` {
			t.Errorf("RoutingConfigurations = %s, want version 2 (100)", rc)
		}
	},
	"describeflowalias": func(t *testing.T, _ Service, b map[string]any) {
		a, _ := b["Alias"].(map[string]any)
		field(t, a, "Name", "live")
		field(t, a, "Description", "Live traffic")
	},
	"listflowaliases": func(t *testing.T, _ Service, b map[string]any) {
		if got := names(t, b, "Aliases"); !slices.Equal(got, []string{"live"}) {
			t.Errorf("Aliases = %q, want [live]", got)
		}
	},
	"deleteflowalias": func(t *testing.T, svc Service, _ map[string]any) {
		st, d := call(t, svc, "DescribeFlowAlias", map[string]string{"FlowName": "orders", "Name": "live"})
		if st != http.StatusBadRequest || d["Code"] != "InvalidArgument" {
			t.Errorf("DescribeFlowAlias live after DeleteFlowAlias = %d %v, want 400 InvalidArgument", st, d)
		}
	},
}

// sessionChecks holds, for each session file under events/local, what its steps must answer.
var sessionChecks = map[string]func(t *testing.T, steps []map[string]any){
	// samples.json is the seed of every per-operation sample; it runs on a fresh store.
	"samples.json": func(t *testing.T, steps []map[string]any) {
		if len(steps) != 6 {
			t.Fatalf("samples answered %d steps, want 6", len(steps))
		}
		field(t, steps[0], "Name", "orders")
		field(t, steps[1], "ExecutionMode", "Express")
		field(t, steps[2], "Name", "exec1")
		field(t, steps[3], "Version", "1")
		field(t, steps[4], "Version", "2")
		field(t, steps[5], "Name", "live")
	},
	"quickstart.json": func(t *testing.T, steps []map[string]any) {
		if len(steps) != 5 {
			t.Fatalf("quickstart answered %d steps, want 5", len(steps))
		}
		field(t, steps[0], "ExecutionMode", "Express")
		field(t, steps[1], "ExecutionMode", "Standard")
		field(t, steps[2], "Status", "Succeeded")
		jsonField(t, steps[2], "Output", `{"greeting":"Hello, Ada!","size":"large"}`)
		field(t, steps[3], "Name", "order-1001")
		field(t, steps[4], "Status", "Succeeded")
		jsonField(t, steps[4], "Output", `{"orderId":"1001","items":2,"status":"confirmed"}`)
	},
}

func TestEvents_Replay(t *testing.T) {
	var files []string
	err := filepath.WalkDir(eventsDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walk %s: %v", eventsDir, err)
	}
	if len(files) < len(opChecks)*3+1 {
		t.Fatalf("found %d sample files, want at least %d", len(files), len(opChecks)*3+1)
	}
	for _, path := range files {
		rel, _ := filepath.Rel(eventsDir, path)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := wantKindFor(rel)
			if want == kindDefinition {
				return // read through the sessions that name it
			}
			if want == "" {
				t.Fatalf("%s: unrecognised sample (want <op>/lambda-http-v2.json, <op>/lambda-rest-v1.json, <op>/fc-http.txt, local/*.json or runner/*.json)", rel)
			}
			if got, err := DetectKind(data); got != want || err != nil {
				t.Fatalf("DetectKind(%s) = %q, %v; want %q", rel, got, err, want)
			}
			svc := newService(t)
			if path != samplesSession {
				svc = newSeededService(t)
			}
			if data, err = ResolveSession(data, filepath.Dir(path)); err != nil {
				t.Fatal(err)
			}
			kind, rs, err := ReplayFile(context.Background(), svc, data, FCOptions{})
			if err != nil {
				t.Fatalf("ReplayFile(%s) error: %v", rel, err)
			}
			var bodies []map[string]any
			status := http.StatusOK
			if st, ok := wantStatus[strings.Split(filepath.ToSlash(rel), "/")[0]]; ok {
				status = st
			}
			for i, r := range rs {
				if r.StatusCode != status {
					t.Fatalf("response %d: HTTP %d %s, want %d", i+1, r.StatusCode, r.Body, status)
				}
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("response %d: Content-Type %q, want application/json", i+1, ct)
				}
				var b map[string]any
				if err := json.Unmarshal(r.Body, &b); err != nil {
					t.Fatalf("response %d: body %q is not a JSON object: %v", i+1, r.Body, err)
				}
				if id, _ := b["RequestId"].(string); id == "" {
					t.Errorf("response %d: no RequestId in %v", i+1, b)
				}
				bodies = append(bodies, b)
			}
			switch kind {
			case KindSession:
				c, ok := sessionChecks[filepath.Base(rel)]
				if !ok {
					t.Fatalf("no checks for session %s: add them to sessionChecks", rel)
				}
				c(t, bodies)
			case KindAsync:
				if len(rs) != 0 {
					t.Errorf("async event produced %d responses, want 0", len(rs))
				}
			default:
				op := strings.Split(filepath.ToSlash(rel), "/")[0]
				c, ok := opChecks[op]
				if !ok {
					t.Fatalf("no checks for operation folder %s: add them to opChecks", op)
				}
				if len(bodies) != 1 {
					t.Fatalf("%d responses, want 1", len(bodies))
				}
				if action := actionOf(t, data); !strings.EqualFold(action, op) {
					t.Errorf("sample calls Action %q, want the folder's operation %q", action, op)
				}
				c(t, svc, bodies[0])
			}
		})
	}
}

// actionOf extracts the Action a platform sample calls, from its query.
func actionOf(t *testing.T, data []byte) string {
	t.Helper()
	var action string
	probe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action = r.URL.Query().Get("Action")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"RequestId":"probe"}`))
	})
	if _, _, err := ReplayFile(context.Background(), Service{API: probe}, data, FCOptions{}); err != nil {
		t.Fatalf("probe replay: %v", err)
	}
	return action
}

func TestEvents_EveryFunctionHasSamples(t *testing.T) {
	ops := functionOps(t)
	for _, op := range ops {
		for _, name := range []string{"lambda-http-v2.json", "lambda-rest-v1.json", "fc-http.txt"} {
			if _, err := os.Stat(filepath.Join(eventsDir, op, name)); err != nil {
				t.Errorf("functions/%s has no sample events/%s/%s", op, op, name)
			}
		}
		if _, ok := opChecks[op]; !ok {
			t.Errorf("functions/%s has no response checks in opChecks", op)
		}
	}
	for op := range opChecks {
		if !slices.Contains(ops, op) {
			t.Errorf("opChecks has %s but functions/%s does not exist", op, op)
		}
	}
	if _, err := os.Stat(filepath.Join(eventsDir, "local", "quickstart.json")); err != nil {
		t.Errorf("events/local/quickstart.json missing: %v", err)
	}
}
