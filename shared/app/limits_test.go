package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Hostile input through the assembled service with the real parser and
// engine: every bound answers a clear error, never a crash, a 5xx or an
// unbounded allocation.

// billionLaughs is the YAML alias bomb: nine levels of nine aliases.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("Type: StateMachine\nSpecVersion: v1\nName: bomb\nStartAt: A\nStates:\n  - Name: A\n    Type: Pass\n    End: true\nx0: &a0 [lol]\n")
	for i := 1; i <= 9; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), ",")
		fmt.Fprintf(&b, "x%d: &a%d [%s]\n", i, i, refs)
	}
	return b.String()
}

// deepDefinition nests a Parameters object n levels deep.
func deepDefinition(n int) string {
	return "Type: StateMachine\nSpecVersion: v1\nName: deep\nStartAt: A\nStates:\n  - Name: A\n    Type: Pass\n    Parameters: " +
		strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + "\n    End: true\n"
}

// branchesDefinition has a Parallel state with n branches.
func branchesDefinition(n int) string {
	var b strings.Builder
	b.WriteString("Type: StateMachine\nSpecVersion: v1\nName: wide\nStartAt: P\nStates:\n  - Name: P\n    Type: Parallel\n    End: true\n    Branches:\n")
	for i := 0; i < n; i++ {
		b.WriteString("      - StartAt: B\n        States:\n          - Name: B\n            Type: Pass\n            End: true\n")
	}
	return b.String()
}

const mapFlow = `Type: StateMachine
SpecVersion: v1
Name: fan
StartAt: M
States:
  - Name: M
    Type: Map
    ItemsPath: $Input.items
    Processor:
      StartAt: Copy
      States:
        - Name: Copy
          Type: Pass
          OutputConstructor:
            big.$: $Context.Execution.Input.pad
          End: true
    End: true
`

func TestApp_HostileInput(t *testing.T) {
	a, err := New(Config{Store: StoreMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "greet", "Definition": define("greet", passFlow), "ExecutionMode": "Express"})
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "fan", "Definition": mapFlow, "ExecutionMode": "Express"})

	tests := []struct {
		name, action string
		params       map[string]string
		status       int
		code         string
		msgPrefix    string
	}{
		{"YAML alias bomb", "CreateFlow", map[string]string{"Name": "bomb", "Definition": billionLaughs()},
			400, "InvalidArgument", "Parameter error. Definition is invalid: "},
		{"nesting depth", "CreateFlow", map[string]string{"Name": "deep", "Definition": deepDefinition(10_000)},
			400, "InvalidArgument", "Parameter error. Definition is invalid: "},
		{"51 Parallel branches", "CreateFlow", map[string]string{"Name": "wide", "Definition": branchesDefinition(51)},
			400, "InvalidArgument", "Parameter error. Definition is invalid: "},
		{"expression over its size limit", "CreateFlow", map[string]string{"Name": "expr", "Definition": strings.Replace(define("expr", passFlow),
			"$Input.name", "$Input.name"+strings.Repeat(" && true", 2000), 1)},
			400, "InvalidArgument", "Parameter error. Definition is invalid: "},
		{"execution input over 64 KiB", "StartSyncExecution", map[string]string{"FlowName": "greet", "Input": `{"name":"` + strings.Repeat("x", 64<<10) + `"}`},
			400, "EntityTooLarge", "The payload size exceeds maximum allowed size (65536 bytes)."},
		{"input that is not an object", "StartSyncExecution", map[string]string{"FlowName": "greet", "Input": `[1,2]`},
			400, "InvalidArgument", "Parameter error. Input must be a JSON object."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(t, a.Handler, tc.action, tc.params)
			if code != tc.status || body["Code"] != tc.code || !strings.HasPrefix(str(body["Message"]), tc.msgPrefix) {
				t.Fatalf("%s = %d %v, want %d %s %q…", tc.action, code, body, tc.status, tc.code, tc.msgPrefix)
			}
		})
	}

	// The per-state payload bound stops a Map whose iterations each copy the
	// input: the Map's output would be 40 × ~40 KiB.
	items, _ := json.Marshal(make([]int, 40))
	r := mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": "fan",
		"Input": `{"items":` + string(items) + `,"pad":"` + strings.Repeat("p", 40<<10) + `"}`})
	if r["Status"] != "Failed" || r["ErrorCode"] != "FnF.InvalidData" {
		t.Errorf("Map over the state payload limit = %v, want Failed FnF.InvalidData", r)
	}

	// Request-level bounds.
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		code              string
	}{
		{"body over 1 MiB", "application/x-www-form-urlencoded", "Name=big&Definition=" + strings.Repeat("x", 1<<20), 400, "EntityTooLarge"},
		{"XML body", "application/xml", "<CreateFlow/>", 415, "UnsupportedMediaType"},
		{"JSON array body", "application/json", "[1]", 400, "InvalidArgument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/?Action=CreateFlow&Version=2019-03-15", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, req)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body.String(), err)
			}
			if rec.Code != tc.status || body["Code"] != tc.code {
				t.Errorf("CreateFlow(%s) = %d %v, want %d %s", tc.name, rec.Code, body, tc.status, tc.code)
			}
		})
	}
}
