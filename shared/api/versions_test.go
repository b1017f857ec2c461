package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// cycleRand returns 0, 1, …, n-1, 0, … for a fixed n: an alias with
// weights summing to n then routes exactly in proportion over n starts.
func cycleRand() func(n int64) int64 {
	var i atomic.Int64
	return func(n int64) int64 { return (i.Add(1) - 1) % n }
}

func newVersionEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnv(t, nil, func(o *execution.Options, _ *api.Options) { o.Rand = cycleRand() })
}

func (e *testEnv) publish(t *testing.T, flowName, desc string) reply {
	t.Helper()
	r := e.call(t, "PublishFlowVersion", map[string]string{"FlowName": flowName, "Description": desc})
	wantOK(t, r)
	return r
}

func (e *testEnv) updateDef(t *testing.T, flowName, def string) {
	t.Helper()
	wantOK(t, e.call(t, "UpdateFlow", map[string]string{"Name": flowName, "Definition": def}))
}

func listStrings(t *testing.T, r reply, list, key string) []string {
	t.Helper()
	items, ok := r.body[list].([]any)
	if !ok {
		t.Fatalf("%s = %v, want a list (body %s)", list, r.body[list], r.raw)
	}
	out := []string{}
	for _, it := range items {
		m, _ := it.(map[string]any)
		s, _ := m[key].(string)
		out = append(out, s)
	}
	return out
}

func TestHandler_PublishFlowVersion(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "std", "Standard")
	r := e.publish(t, "std", "first")
	if r.str("FlowName") != "std" || r.str("Version") != "1" || r.str("Description") != "first" || len(r.str("CreatedTime")) != len("2019-01-01T01:01:01.001Z") {
		t.Errorf("PublishFlowVersion = %s, want FlowName std, Version 1, Description first, a CreatedTime", r.raw)
	}
	def2 := defOf("std", "v2")
	e.updateDef(t, "std", def2)
	if r := e.publish(t, "std", ""); r.str("Version") != "2" {
		t.Errorf("second publish Version = %q, want 2", r.str("Version"))
	}
	// Versions are immutable snapshots: version 1 keeps the old definition.
	d := e.call(t, "DescribeFlow", map[string]string{"Name": "std", "FlowVersion": "1"})
	wantOK(t, d)
	if want := defOf("std"); d.str("Definition") != want {
		t.Errorf("DescribeFlow version 1 Definition = %q, want the published %q", d.str("Definition"), want)
	}
	if d := e.call(t, "DescribeFlow", map[string]string{"Name": "std", "FlowVersion": "2"}); d.str("Definition") != def2 {
		t.Errorf("DescribeFlow version 2 Definition = %q, want %q", d.str("Definition"), def2)
	}
	if d := e.call(t, "DescribeFlow", map[string]string{"Name": "std"}); d.str("Definition") != def2 {
		t.Errorf("DescribeFlow current Definition = %q, want %q", d.str("Definition"), def2)
	}
	// A deleted number is never reused.
	wantOK(t, e.call(t, "DeleteFlowVersion", map[string]string{"FlowName": "std", "FlowVersion": "2"}))
	if r := e.publish(t, "std", ""); r.str("Version") != "3" {
		t.Errorf("publish after deleting 2: Version = %q, want 3", r.str("Version"))
	}
}

func TestHandler_PublishFlowVersion_Race(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "std", "Standard")
	const n = 10
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got []string
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.call(t, "PublishFlowVersion", map[string]string{"FlowName": "std"})
			if r.status != http.StatusOK {
				t.Errorf("PublishFlowVersion = %d %s, want 200", r.status, r.raw)
				return
			}
			mu.Lock()
			got = append(got, r.str("Version"))
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.SortFunc(got, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprint(i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("concurrent publishes got versions %q, want each of %q once", got, want)
	}
	l := e.call(t, "ListFlowVersions", map[string]string{"FlowName": "std", "Limit": "100"})
	if v := listStrings(t, l, "FlowVersions", "Version"); !slices.Equal(v, want) {
		t.Errorf("ListFlowVersions = %q, want %q", v, want)
	}
}

func TestHandler_ListFlowVersions_Paging(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "std", "Standard")
	for i := range 5 {
		e.publish(t, "std", fmt.Sprint("v", i+1))
	}
	var all []string
	token := ""
	for page := 0; ; page++ {
		params := map[string]string{"FlowName": "std", "Limit": "2"}
		if token != "" {
			params["NextToken"] = token
		}
		r := e.call(t, "ListFlowVersions", params)
		wantOK(t, r)
		got := listStrings(t, r, "FlowVersions", "Version")
		if len(got) > 2 {
			t.Fatalf("page %d has %d versions, want at most 2", page, len(got))
		}
		all = append(all, got...)
		token = r.str("NextToken")
		if _, present := r.body["NextToken"]; page < 2 && !present || page == 2 && present {
			t.Errorf("page %d NextToken presence wrong: %s", page, r.raw)
		}
		if token == "" {
			break
		}
	}
	if want := []string{"1", "2", "3", "4", "5"}; !slices.Equal(all, want) {
		t.Errorf("paged versions = %q, want %q", all, want)
	}
	r := e.call(t, "ListFlowVersions", map[string]string{"FlowName": "std", "Limit": "1"})
	if d := listStrings(t, r, "FlowVersions", "Description"); !slices.Equal(d, []string{"v1"}) || r.str("NextToken") != "2" {
		t.Errorf("first page = %s, want version 1 (v1) and NextToken 2", r.raw)
	}
	e.createFlow(t, "empty", "Standard")
	if r := e.call(t, "ListFlowVersions", map[string]string{"FlowName": "empty"}); len(listStrings(t, r, "FlowVersions", "Version")) != 0 {
		t.Errorf("ListFlowVersions of a flow without versions = %s, want []", r.raw)
	}
}

func TestHandler_Aliases(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "std", "Standard")
	e.publish(t, "std", "")
	e.publish(t, "std", "")

	c := e.call(t, "CreateFlowAlias", map[string]string{
		"FlowName": "std", "Name": "live", "Description": "prod",
		"RoutingConfigurations": `[{"Version":"1","Weight":30},{"Version":"2","Weight":70}]`,
	})
	wantOK(t, c)
	if c.str("Name") != "live" || c.str("FlowName") != "std" || c.str("Description") != "prod" || c.str("CreatedTime") == "" {
		t.Errorf("CreateFlowAlias = %s", c.raw)
	}
	if rc, _ := json.Marshal(c.body["RoutingConfigurations"]); string(rc) != `[{"Version":"1","Weight":30},{"Version":"2","Weight":70}]` {
		t.Errorf("CreateFlowAlias RoutingConfigurations = %s", rc)
	}

	d := e.call(t, "DescribeFlowAlias", map[string]string{"FlowName": "std", "Name": "live"})
	wantOK(t, d)
	alias, _ := d.body["Alias"].(map[string]any)
	if alias["Name"] != "live" || alias["Description"] != "prod" || alias["CreatedTime"] != c.str("CreatedTime") {
		t.Errorf("DescribeFlowAlias = %s", d.raw)
	}

	// Update: description only keeps the routes; routes only keep the description.
	u := e.call(t, "UpdateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "Description": "production"})
	wantOK(t, u)
	alias, _ = u.body["Alias"].(map[string]any)
	if rc, _ := json.Marshal(alias["RoutingConfigurations"]); alias["Description"] != "production" || string(rc) != `[{"Version":"1","Weight":30},{"Version":"2","Weight":70}]` {
		t.Errorf("UpdateFlowAlias (description) = %s", u.raw)
	}
	u = e.call(t, "UpdateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `[{"Version":"2","Weight":1}]`})
	wantOK(t, u)
	alias, _ = u.body["Alias"].(map[string]any)
	if rc, _ := json.Marshal(alias["RoutingConfigurations"]); alias["Description"] != "production" || string(rc) != `[{"Version":"2","Weight":1}]` {
		t.Errorf("UpdateFlowAlias (routes) = %s", u.raw)
	}

	for _, name := range []string{"beta", "alpha", "gamma"} {
		wantOK(t, e.call(t, "CreateFlowAlias", map[string]string{"FlowName": "std", "Name": name, "RoutingConfigurations": `[{"Version":"1","Weight":100}]`}))
	}
	var all []string
	token := ""
	for {
		params := map[string]string{"FlowName": "std", "Limit": "3"}
		if token != "" {
			params["NextToken"] = token
		}
		r := e.call(t, "ListFlowAliases", params)
		wantOK(t, r)
		all = append(all, listStrings(t, r, "Aliases", "Name")...)
		if token = r.str("NextToken"); token == "" {
			break
		}
	}
	if want := []string{"alpha", "beta", "gamma", "live"}; !slices.Equal(all, want) {
		t.Errorf("ListFlowAliases pages = %q, want %q", all, want)
	}

	wantOK(t, e.call(t, "DeleteFlowAlias", map[string]string{"FlowName": "std", "Name": "beta"}))
	wantError(t, e.call(t, "DescribeFlowAlias", map[string]string{"FlowName": "std", "Name": "beta"}),
		400, "InvalidArgument", "Parameter error. Name beta names no alias of flow std.")
}

func TestHandler_DeleteFlowVersion_Conflict(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "std", "Standard")
	e.publish(t, "std", "")
	e.publish(t, "std", "")
	wantOK(t, e.call(t, "CreateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `[{"Version":"1","Weight":5},{"Version":"2","Weight":0}]`}))
	for _, v := range []string{"1", "2"} { // a zero weight still routes to the version
		wantError(t, e.call(t, "DeleteFlowVersion", map[string]string{"FlowName": "std", "FlowVersion": v}),
			409, "ConcurrentUpdateError", "Update conflict, please retry.")
	}
	// The failed delete left version 1 usable.
	wantOK(t, e.call(t, "DescribeFlow", map[string]string{"Name": "std", "FlowVersion": "1"}))
	wantOK(t, e.call(t, "UpdateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `[{"Version":"1","Weight":5}]`}))
	wantOK(t, e.call(t, "DeleteFlowVersion", map[string]string{"FlowName": "std", "FlowVersion": "2"}))
	r := e.call(t, "ListFlowVersions", map[string]string{"FlowName": "std"})
	if v := listStrings(t, r, "FlowVersions", "Version"); !slices.Equal(v, []string{"1"}) {
		t.Errorf("versions after delete = %q, want [1]", v)
	}
	wantOK(t, e.call(t, "DeleteFlowAlias", map[string]string{"FlowName": "std", "Name": "live"}))
	wantOK(t, e.call(t, "DeleteFlowVersion", map[string]string{"FlowName": "std", "FlowVersion": "1"}))
}

func TestHandler_Qualifier_StartExecution(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "std", "Standard")
	v1 := defOf("std")
	e.publish(t, "std", "")
	v2, v3 := defOf("std", "v2"), defOf("std", "v3")
	e.updateDef(t, "std", v2)
	e.publish(t, "std", "")
	e.updateDef(t, "std", v3) // current, unpublished
	wantOK(t, e.call(t, "CreateFlowAlias", map[string]string{"FlowName": "std", "Name": "split", "RoutingConfigurations": `[{"Version":"1","Weight":3},{"Version":"2","Weight":7}]`}))

	r := e.call(t, "StartExecution", map[string]string{"FlowName": "std", "ExecutionName": "byversion", "Qualifier": "1"})
	wantOK(t, r)
	if r.str("FlowDefinition") != v1 {
		t.Errorf("StartExecution Qualifier 1 FlowDefinition = %q, want version 1's %q", r.str("FlowDefinition"), v1)
	}
	r = e.call(t, "StartExecution", map[string]string{"FlowName": "std", "ExecutionName": "current"})
	if r.str("FlowDefinition") != v3 {
		t.Errorf("StartExecution without Qualifier FlowDefinition = %q, want the current %q", r.str("FlowDefinition"), v3)
	}
	// Ten starts through the alias with a cycling random source: exactly 3
	// run version 1 and 7 run version 2.
	defs := map[string]int{}
	for i := range 10 {
		r := e.call(t, "StartExecution", map[string]string{"FlowName": "std", "ExecutionName": fmt.Sprint("a", i), "Qualifier": "split"})
		wantOK(t, r)
		defs[r.str("FlowDefinition")]++
	}
	if defs[v1] != 3 || defs[v2] != 7 {
		t.Errorf("alias split ran definitions %v, want version 1 ×3 and version 2 ×7", defs)
	}
	waitStatus(t, e, "std", "a9", "Succeeded")
	d := waitStatus(t, e, "std", "byversion", "Succeeded")
	if d.str("FlowDefinition") != v1 {
		t.Errorf("DescribeExecution FlowDefinition = %q, want the version 1 snapshot", d.str("FlowDefinition"))
	}

	count := func(q string) int {
		r := e.call(t, "ListExecutions", map[string]string{"FlowName": "std", "Qualifier": q, "Limit": "100"})
		wantOK(t, r)
		return len(listStrings(t, r, "Executions", "Name"))
	}
	for q, want := range map[string]int{"1": 4, "2": 7, "split": 10, "": 12} {
		if got := count(q); got != want {
			t.Errorf("ListExecutions Qualifier %q = %d executions, want %d", q, got, want)
		}
	}
	// An unknown version or alias is InvalidArgument (reference 2.3), not
	// an empty list.
	for _, q := range []string{"3", "other"} {
		r := e.call(t, "ListExecutions", map[string]string{"FlowName": "std", "Qualifier": q, "Limit": "100"})
		wantError(t, r, 400, "InvalidArgument", "Parameter error. Qualifier "+q+" names no version or alias of flow std.")
	}
}

func TestHandler_Qualifier_StartSyncExecution(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "exp", "Express")
	e.publish(t, "exp", "")
	wantOK(t, e.call(t, "CreateFlowAlias", map[string]string{"FlowName": "exp", "Name": "live", "RoutingConfigurations": `[{"Version":"1","Weight":1}]`}))
	for _, q := range []string{"1", "live"} {
		r := e.call(t, "StartSyncExecution", map[string]string{"FlowName": "exp", "Qualifier": q, "Input": `{"q":1}`})
		wantOK(t, r)
		if r.str("Status") != "Succeeded" || r.str("Output") != `{"q":1}` {
			t.Errorf("StartSyncExecution Qualifier %s = %s, want Succeeded with the input", q, r.raw)
		}
	}
	wantError(t, e.call(t, "StartSyncExecution", map[string]string{"FlowName": "exp", "Qualifier": "2"}),
		400, "InvalidArgument", "Parameter error. Qualifier 2 names no version or alias of flow exp.")
	wantError(t, e.call(t, "StartSyncExecution", map[string]string{"FlowName": "exp", "Qualifier": "nope"}),
		400, "InvalidArgument", "Parameter error. Qualifier nope names no version or alias of flow exp.")
}

func TestHandler_DeleteFlow_RemovesVersionsAndAliases(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "std", "Standard")
	e.publish(t, "std", "")
	wantOK(t, e.call(t, "CreateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `[{"Version":"1","Weight":1}]`}))
	wantOK(t, e.call(t, "DeleteFlow", map[string]string{"Name": "std"}))
	wantError(t, e.call(t, "ListFlowVersions", map[string]string{"FlowName": "std"}), 404, "FlowNotExists", "Flow  std does not exist.")
	e.createFlow(t, "std", "Standard")
	if v := listStrings(t, e.call(t, "ListFlowVersions", map[string]string{"FlowName": "std"}), "FlowVersions", "Version"); len(v) != 0 {
		t.Errorf("re-created flow has versions %q, want none", v)
	}
	if a := listStrings(t, e.call(t, "ListFlowAliases", map[string]string{"FlowName": "std"}), "Aliases", "Name"); len(a) != 0 {
		t.Errorf("re-created flow has aliases %q, want none", a)
	}
	wantError(t, e.call(t, "StartExecution", map[string]string{"FlowName": "std", "Qualifier": "live"}),
		400, "InvalidArgument", "Parameter error. Qualifier live names no version or alias of flow std.")
	if r := e.publish(t, "std", ""); r.str("Version") != "1" {
		t.Errorf("first publish of the re-created flow = %q, want 1", r.str("Version"))
	}
}

func TestHandler_Versions_Errors(t *testing.T) {
	e := newVersionEnv(t)
	e.createFlow(t, "std", "Standard")
	e.publish(t, "std", "")
	wantOK(t, e.call(t, "CreateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `[{"Version":"1","Weight":1}]`}))
	rc := func(s string) map[string]string {
		return map[string]string{"FlowName": "std", "Name": "new", "RoutingConfigurations": s}
	}
	tests := []struct {
		name    string
		action  string
		params  map[string]string
		status  int
		code    string
		message string
	}{
		{"publish no flow name", "PublishFlowVersion", nil, 400, "MissingRequiredParams", "The HTTP query 'FlowName' must be specified."},
		{"publish missing flow", "PublishFlowVersion", map[string]string{"FlowName": "nope"}, 404, "FlowNotExists", "Flow  nope does not exist."},
		{"list versions missing flow", "ListFlowVersions", map[string]string{"FlowName": "nope"}, 404, "FlowNotExists", "Flow  nope does not exist."},
		{"list versions limit low", "ListFlowVersions", map[string]string{"FlowName": "std", "Limit": "0"}, 400, "InvalidArgument", "Parameter error. Limit must be an integer from 1 to 100."},
		{"list versions limit high", "ListFlowVersions", map[string]string{"FlowName": "std", "Limit": "101"}, 400, "InvalidArgument", "Parameter error. Limit must be an integer from 1 to 100."},
		{"list versions bad token", "ListFlowVersions", map[string]string{"FlowName": "std", "NextToken": "x"}, 400, "InvalidArgument", "Parameter error. NextToken must be the version number of the next version, as returned by the previous page."},
		{"delete version no version", "DeleteFlowVersion", map[string]string{"FlowName": "std"}, 400, "MissingRequiredParams", "The HTTP query 'FlowVersion' must be specified."},
		{"delete version unknown", "DeleteFlowVersion", map[string]string{"FlowName": "std", "FlowVersion": "9"}, 400, "InvalidArgument", "Parameter error. FlowVersion 9 names no version of flow std."},
		{"delete version not a number", "DeleteFlowVersion", map[string]string{"FlowName": "std", "FlowVersion": "01"}, 400, "InvalidArgument", `Parameter error. FlowVersion must be a version number such as "1".`},
		{"delete version missing flow", "DeleteFlowVersion", map[string]string{"FlowName": "nope", "FlowVersion": "1"}, 404, "FlowNotExists", "Flow  nope does not exist."},
		{"describe flow unknown version", "DescribeFlow", map[string]string{"Name": "std", "FlowVersion": "2"}, 400, "InvalidArgument", "Parameter error. FlowVersion 2 names no version of flow std."},
		{"create alias no name", "CreateFlowAlias", map[string]string{"FlowName": "std", "RoutingConfigurations": `[{"Version":"1","Weight":1}]`}, 400, "MissingRequiredParams", "The HTTP query 'Name' must be specified."},
		{"create alias no routes", "CreateFlowAlias", map[string]string{"FlowName": "std", "Name": "x"}, 400, "MissingRequiredParams", "The HTTP query 'RoutingConfigurations' must be specified."},
		{"routes empty", "CreateFlowAlias", rc(`[]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations must have 1 to 10 entries."},
		{"create alias name pattern", "CreateFlowAlias", map[string]string{"FlowName": "std", "Name": "1live", "RoutingConfigurations": `[{"Version":"1","Weight":1}]`}, 400, "InvalidArgument", "Parameter error. Name must match ^[A-Za-z_][A-Za-z0-9_-]{0,127}$."},
		{"create alias exists", "CreateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `[{"Version":"1","Weight":1}]`}, 400, "InvalidArgument", "Parameter error. Name live: alias already exists for flow std."},
		{"create alias missing flow", "CreateFlowAlias", map[string]string{"FlowName": "nope", "Name": "x", "RoutingConfigurations": `[{"Version":"1","Weight":1}]`}, 404, "FlowNotExists", "Flow  nope does not exist."},
		{"routes not json", "CreateFlowAlias", rc(`{`), 400, "InvalidArgument", `Parameter error. RoutingConfigurations must be a JSON array of {"Version","Weight"} objects (as a string).`},
		{"routes object", "CreateFlowAlias", rc(`{"Version":"1"}`), 400, "InvalidArgument", `Parameter error. RoutingConfigurations must be a JSON array of {"Version","Weight"} objects (as a string).`},
		{"routes trailing", "CreateFlowAlias", rc(`[] []`), 400, "InvalidArgument", `Parameter error. RoutingConfigurations must be a JSON array of {"Version","Weight"} objects (as a string).`},
		{"routes too many", "CreateFlowAlias", rc(`[` + strings.Repeat(`{"Version":"1","Weight":1},`, 10) + `{"Version":"1","Weight":1}]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations must have 1 to 10 entries."},
		{"route null", "CreateFlowAlias", rc(`[null]`), 400, "InvalidArgument", `Parameter error. RoutingConfigurations[0] must be a {"Version","Weight"} object.`},
		{"route unknown field", "CreateFlowAlias", rc(`[{"Version":"1","Weight":1,"Pct":2}]`), 400, "InvalidArgument", `Parameter error. RoutingConfigurations[0] has an unknown field "Pct" (want Version and Weight).`},
		{"route version number", "CreateFlowAlias", rc(`[{"Version":1,"Weight":1}]`), 400, "InvalidArgument", `Parameter error. RoutingConfigurations[0].Version must be a version number as a string, such as "1".`},
		{"route version zero", "CreateFlowAlias", rc(`[{"Version":"0","Weight":1}]`), 400, "InvalidArgument", `Parameter error. RoutingConfigurations[0].Version must be a version number as a string, such as "1".`},
		{"route version missing", "CreateFlowAlias", rc(`[{"Weight":1}]`), 400, "InvalidArgument", `Parameter error. RoutingConfigurations[0].Version must be a version number as a string, such as "1".`},
		{"route version twice", "CreateFlowAlias", rc(`[{"Version":"1","Weight":1},{"Version":"1","Weight":2}]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations[1].Version 1 appears more than once."},
		{"route weight negative", "CreateFlowAlias", rc(`[{"Version":"1","Weight":-1}]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations[0].Weight must be an integer from 0 to 100."},
		{"route weight fraction", "CreateFlowAlias", rc(`[{"Version":"1","Weight":0.5}]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations[0].Weight must be an integer from 0 to 100."},
		{"route weight string", "CreateFlowAlias", rc(`[{"Version":"1","Weight":"5"}]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations[0].Weight must be an integer from 0 to 100."},
		{"route weight high", "CreateFlowAlias", rc(`[{"Version":"1","Weight":101}]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations[0].Weight must be an integer from 0 to 100."},
		{"routes total zero", "CreateFlowAlias", rc(`[{"Version":"1","Weight":0}]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations weights must add up to more than 0."},
		{"route unknown version", "CreateFlowAlias", rc(`[{"Version":"1","Weight":1},{"Version":"7","Weight":1}]`), 400, "InvalidArgument", "Parameter error. RoutingConfigurations[1].Version 7 names no version of flow std."},
		{"update alias unknown", "UpdateFlowAlias", map[string]string{"FlowName": "std", "Name": "nope", "Description": "x"}, 400, "InvalidArgument", "Parameter error. Name nope names no alias of flow std."},
		{"update alias unknown version", "UpdateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `[{"Version":"2","Weight":1}]`}, 400, "InvalidArgument", "Parameter error. RoutingConfigurations[0].Version 2 names no version of flow std."},
		{"update alias bad routes", "UpdateFlowAlias", map[string]string{"FlowName": "std", "Name": "live", "RoutingConfigurations": `x`}, 400, "InvalidArgument", `Parameter error. RoutingConfigurations must be a JSON array of {"Version","Weight"} objects (as a string).`},
		{"describe alias no name", "DescribeFlowAlias", map[string]string{"FlowName": "std"}, 400, "MissingRequiredParams", "The HTTP query 'Name' must be specified."},
		{"describe alias unknown", "DescribeFlowAlias", map[string]string{"FlowName": "std", "Name": "nope"}, 400, "InvalidArgument", "Parameter error. Name nope names no alias of flow std."},
		{"describe alias missing flow", "DescribeFlowAlias", map[string]string{"FlowName": "nope", "Name": "live"}, 404, "FlowNotExists", "Flow  nope does not exist."},
		{"delete alias unknown", "DeleteFlowAlias", map[string]string{"FlowName": "std", "Name": "nope"}, 400, "InvalidArgument", "Parameter error. Name nope names no alias of flow std."},
		{"list aliases limit", "ListFlowAliases", map[string]string{"FlowName": "std", "Limit": "101"}, 400, "InvalidArgument", "Parameter error. Limit must be an integer from 1 to 100."},
		{"list aliases missing flow", "ListFlowAliases", map[string]string{"FlowName": "nope"}, 404, "FlowNotExists", "Flow  nope does not exist."},
		{"start unknown version", "StartExecution", map[string]string{"FlowName": "std", "Qualifier": "5"}, 400, "InvalidArgument", "Parameter error. Qualifier 5 names no version or alias of flow std."},
		{"start unknown alias", "StartExecution", map[string]string{"FlowName": "std", "Qualifier": "beta"}, 400, "InvalidArgument", "Parameter error. Qualifier beta names no version or alias of flow std."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, tc.action, tc.params)
			wantError(t, r, tc.status, tc.code, tc.message)
			if tc.code == "InvalidArgument" && r.str("Description") != strings.TrimPrefix(tc.message, "Parameter error. ") {
				t.Errorf("Description = %q, want the sentence of %q", r.str("Description"), tc.message)
			}
		})
	}
}
