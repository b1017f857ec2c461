package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/console"
)

const okFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Greet
States:
  - Name: Greet
    Type: Pass
    OutputConstructor:
      greeting.$: format("Hello, {}!", $Input.name)
    End: true
`

const catchFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Charge
States:
  - Name: Charge
    Type: Task
    Action: HTTP:Request
    Catch:
      - Errors: [Payment.Declined]
        Next: Refund
    Next: Ship
  - Name: Ship
    Type: Pass
    End: true
  - Name: Refund
    Type: Pass
    End: true
`

const fanFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Fork
States:
  - Name: Fork
    Type: Parallel
    Branches:
      - StartAt: Work
        States:
          - Name: Work
            Type: Task
            Action: HTTP:Request
            Retry:
              - Errors: [Work.Busy]
                MaxAttempts: 2
                IntervalSeconds: 1
            End: true
      - StartAt: Note
        States:
          - Name: Note
            Type: Pass
            End: true
    OutputConstructor:
      items: [1, 2, 3]
    Next: Each
  - Name: Each
    Type: Map
    ItemsPath: $Input.items
    Processor:
      StartAt: Square
      States:
        - Name: Square
          Type: Pass
          End: true
    End: true
`

const callbackFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Approve
States:
  - Name: Approve
    Type: Task
    Action: HTTP:Request
    TaskMode: WaitForCustomCallback
    Next: Done
  - Name: Done
    Type: Pass
    End: true
`

const slowFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: First
States:
  - Name: First
    Type: Pass
    Next: Slow
  - Name: Slow
    Type: Task
    Action: HTTP:Request
    Next: Pause
  - Name: Pause
    Type: Wait
    Seconds: 1
    Next: Last
  - Name: Last
    Type: Pass
    End: true
`

// waitStatus polls DescribeExecution until the execution has status want.
func waitStatus(t testing.TB, s *server, flow, name, want string) {
	t.Helper()
	c := s.client(t, "", "")
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := call(t, c, "DescribeExecution", map[string]string{"FlowName": flow, "ExecutionName": name})["Status"]
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s/%s status = %v, want %s", flow, name, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConsole_OpenMode_Pages(t *testing.T) {
	s := newServer(t, "")
	c := s.client(t, "", "")
	createFlow(t, c, "greet", okFlow, "Standard")
	createFlow(t, c, "card", catchFlow, "Standard")
	call(t, c, "StartExecution", map[string]string{"FlowName": "card", "ExecutionName": "order-1", "Input": `{"amount":3}`})
	waitStatus(t, s, "card", "order-1", "Succeeded")
	b := newBrowser(t, s)

	tests := []struct {
		name, path string
		status     int
		want       []string
	}{
		{"flows", "/console/", 200, []string{`data-testid="open-banner"`, `data-flow="greet"`, `data-flow="card"`, "unsigned requests"}},
		{"flow page with graph", "/console/flows/card", 200, []string{`data-state="Charge"`, `data-state="Refund"`, `data-kind="catch"`, "Payment.Declined", `id="L1"`, "order-1"}},
		{"executions", "/console/flows/card/executions?status=Succeeded&prefix=order", 200, []string{`data-execution="order-1"`, "Succeeded"}},
		{"executions filtered out", "/console/flows/card/executions?status=Failed", 200, []string{`data-testid="no-executions"`}},
		{"bad status filter", "/console/flows/card/executions?status=Done", 400, []string{"Status must be one of"}},
		{"bad time filter", "/console/flows/card/executions?begin=yesterday", 400, []string{"time range"}},
		{"execution", "/console/flows/card/executions/order-1", 200, []string{`data-status="caught"`, `data-status="notreached"`, `data-status="succeeded"`, "card expired", `data-state="Refund" data-outcome="succeeded"`}},
		{"missing flow", "/console/flows/nope", 404, []string{"FlowNotExists"}},
		{"missing execution", "/console/flows/card/executions/nope", 404, []string{"ExecutionNotExists"}},
		{"no such page", "/console/elsewhere/x", 404, []string{"no console page"}},
		{"static script", "/console/static/console.js", 200, []string{"checkJSON"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := b.get(tc.path)
			if p.status != tc.status {
				t.Fatalf("GET %s = %d, want %d: %.400s", tc.path, p.status, tc.status, p.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("GET %s: page lacks %q", tc.path, w)
				}
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("GET %s: Content-Security-Policy = %q, want script-src 'self'", tc.path, csp)
			}
		})
	}
	// The API still answers on / beside the console, and /console redirects.
	if p := b.get("/console"); p.status != http.StatusMovedPermanently || p.header.Get("Location") != console.Prefix {
		t.Errorf("GET /console = %d %s, want a redirect to %s", p.status, p.header.Get("Location"), console.Prefix)
	}
	if got := call(t, c, "ListFlows", nil)["Flows"]; got == nil {
		t.Errorf("ListFlows beside the console = %v", got)
	}
}

func TestConsole_Cookie_Flags(t *testing.T) {
	s := newServer(t, "")
	p := newBrowser(t, s).get("/console/")
	cookies := (&http.Response{Header: p.header}).Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v, want one session cookie", cookies)
	}
	ck := cookies[0]
	if ck.Name != console.CookieName || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != console.Prefix {
		t.Errorf("cookie = %+v, want %s HttpOnly SameSite=Strict Path=%s", ck, console.CookieName, console.Prefix)
	}
}

// A POST without the session's form token is refused and changes nothing:
// no token, another session's token, or a tampered cookie.
func TestConsole_ForgedPost_Refused(t *testing.T) {
	s := newServer(t, "")
	c := s.client(t, "", "")
	createFlow(t, c, "greet", okFlow, "Standard")
	victim, attacker := newBrowser(t, s), newBrowser(t, s)
	victim.get("/console/")
	otherToken := attacker.get("/console/flows/greet").csrf(t)

	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"no token", url.Values{"name": {"forged1"}, "input": {"{}"}}},
		{"another session's token", url.Values{"name": {"forged2"}, "input": {"{}"}, "csrf": {otherToken}}},
		{"garbage token", url.Values{"name": {"forged3"}, "input": {"{}"}, "csrf": {"AAAA"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := victim.post("/console/flows/greet/start", tc.form)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "refused") {
				t.Errorf("forged POST = %d %.200s, want 403 refused", p.status, p.body)
			}
		})
	}
	list := call(t, c, "ListExecutions", map[string]string{"FlowName": "greet"})
	if es, _ := list["Executions"].([]any); len(es) != 0 {
		t.Errorf("executions after forged posts = %v, want none", es)
	}
	// The same form with the victim's own token works.
	p := victim.post("/console/flows/greet/start", url.Values{"name": {"real"}, "input": {`{"name":"Ada"}`}, "csrf": {victim.get("/console/flows/greet").csrf(t)}})
	if p.status != http.StatusSeeOther || !strings.HasSuffix(p.header.Get("Location"), "/console/flows/greet/executions/real") {
		t.Fatalf("POST start = %d %s, want a redirect to the execution", p.status, p.header.Get("Location"))
	}
	waitStatus(t, s, "greet", "real", "Succeeded")
}

func TestConsole_Start_Validation(t *testing.T) {
	s := newServer(t, "")
	c := s.client(t, "", "")
	createFlow(t, c, "greet", okFlow, "Standard")
	createFlow(t, c, "quick", okFlow, "Express")
	b := newBrowser(t, s)
	tok := b.get("/console/flows/greet").csrf(t)
	tests := []struct {
		name, flow, exec, input string
		status                  int
		want                    string
	}{
		{"input not an object", "greet", "", `[1,2]`, 400, "Input must be a JSON object."},
		{"input not JSON", "greet", "", `{oops`, 400, "Input must be a JSON object."},
		{"bad name", "greet", "9lives", `{}`, 400, "ExecutionName must match"},
		{"express result inline", "quick", "now", `{"name":"Ada"}`, 200, "Hello, Ada!"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post("/console/flows/"+tc.flow+"/start", url.Values{"name": {tc.exec}, "input": {tc.input}, "csrf": {tok}})
			if p.status != tc.status || !strings.Contains(p.body, tc.want) {
				t.Errorf("POST start = %d, want %d with %q: %.600s", p.status, tc.status, tc.want, p.body)
			}
		})
	}
}

func TestConsole_Keys_AccountIsolation(t *testing.T) {
	s := newServer(t, "ak1:secret1@alice,ak2:secret2@bob")
	createFlow(t, s.client(t, "ak1", "secret1"), "alice-flow", okFlow, "Standard")
	createFlow(t, s.client(t, "ak2", "secret2"), "bob-flow", okFlow, "Standard")
	b := newBrowser(t, s)

	p := b.get("/console/")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/console/login") {
		t.Fatalf("GET /console/ before signing in = %d %s, want a redirect to the login page", p.status, p.header.Get("Location"))
	}
	login := b.get("/console/login")
	if strings.Contains(login.body, "open-banner") {
		t.Errorf("login page with keys shows the open-mode banner")
	}
	tok := login.csrf(t)
	if p := b.post("/console/login", url.Values{"access_key_id": {"ak1"}, "access_key_secret": {"wrong"}, "csrf": {tok}}); p.status != http.StatusUnauthorized {
		t.Errorf("login with a wrong secret = %d, want 401", p.status)
	}
	if p := b.post("/console/login", url.Values{"access_key_id": {"ak1"}, "access_key_secret": {"secret1"}}); p.status != http.StatusForbidden {
		t.Errorf("login without the form token = %d, want 403", p.status)
	}
	if p := b.post("/console/login", url.Values{"access_key_id": {"ak1"}, "access_key_secret": {"secret1"}, "csrf": {tok}, "next": {"https://evil.example/"}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/" {
		t.Fatalf("login = %d %s, want a redirect inside the console", p.status, p.header.Get("Location"))
	}
	flows := b.get("/console/")
	if !strings.Contains(flows.body, `data-flow="alice-flow"`) || strings.Contains(flows.body, "bob-flow") || strings.Contains(flows.body, "open-banner") {
		t.Errorf("alice's flows page: want alice-flow only and no open-mode banner: %.600s", flows.body)
	}
	if p := b.get("/console/flows/bob-flow"); p.status != http.StatusNotFound {
		t.Errorf("GET bob's flow as alice = %d, want 404", p.status)
	}
	// Starting bob's flow from alice's session fails like the API would.
	tok = flows.csrf(t)
	if p := b.post("/console/flows/bob-flow/start", url.Values{"input": {"{}"}, "csrf": {tok}}); p.status != http.StatusNotFound {
		t.Errorf("start bob's flow as alice = %d, want 404", p.status)
	}
	// Signing out ends the session.
	b.post("/console/logout", url.Values{"csrf": {tok}})
	if p := b.get("/console/"); p.status != http.StatusSeeOther {
		t.Errorf("GET /console/ after signing out = %d, want a redirect to the login page", p.status)
	}
}

// A session of a key that is no longer configured is refused: the cookie
// is bound to the keys it was issued under.
func TestConsole_Keys_SessionBoundToKeys(t *testing.T) {
	s1 := newServer(t, "ak1:secret1@alice")
	s2 := newServer(t, "ak1:other@alice")
	b := newBrowser(t, s1)
	tok := b.get("/console/login").csrf(t)
	b.post("/console/login", url.Values{"access_key_id": {"ak1"}, "access_key_secret": {"secret1"}, "csrf": {tok}})
	if p := b.get("/console/"); p.status != http.StatusOK {
		t.Fatalf("signed in GET = %d", p.status)
	}
	u1, _ := url.Parse(s1.URL)
	cookies := b.c.Jar.Cookies(u1)
	req, _ := http.NewRequest(http.MethodGet, s2.URL+"/console/", nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET with a cookie signed under other keys = %d, want a redirect to the login page", resp.StatusCode)
	}
}

func TestConsole_Callback_StopAndReport(t *testing.T) {
	s := newServer(t, "")
	c := s.client(t, "", "")
	createFlow(t, c, "approve", callbackFlow, "Standard")
	call(t, c, "StartExecution", map[string]string{"FlowName": "approve", "ExecutionName": "a1"})
	call(t, c, "StartExecution", map[string]string{"FlowName": "approve", "ExecutionName": "a2"})
	b := newBrowser(t, s)
	var p page
	for deadline := time.Now().Add(10 * time.Second); ; {
		p = b.get("/console/flows/approve/executions/a1")
		if strings.Contains(p.body, `data-testid="token"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	tok := csrfRE.FindStringSubmatch(p.body)
	token := regexpFind(`data-testid="token">([^<]+)<`, p.body)
	if tok == nil || token == "" {
		t.Fatalf("execution page shows no task token: %.800s", p.body)
	}
	bad := b.post("/console/flows/approve/executions/a1/report", url.Values{"csrf": {tok[1]}, "token": {token}, "outcome": {"succeeded"}, "output": {"{nope"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "Output") {
		t.Errorf("report with bad output = %d, want 400 naming Output: %.300s", bad.status, bad.body)
	}
	ok := b.post("/console/flows/approve/executions/a1/report", url.Values{"csrf": {tok[1]}, "token": {token}, "outcome": {"succeeded"}, "output": {`{"approved":true}`}})
	if ok.status != http.StatusSeeOther {
		t.Fatalf("report = %d %.300s, want a redirect", ok.status, ok.body)
	}
	waitStatus(t, s, "approve", "a1", "Succeeded")
	stop := b.post("/console/flows/approve/executions/a2/stop", url.Values{"csrf": {tok[1]}, "error": {"Ops.Cancelled"}})
	if stop.status != http.StatusSeeOther {
		t.Fatalf("stop = %d %.300s, want a redirect", stop.status, stop.body)
	}
	waitStatus(t, s, "approve", "a2", "Stopped")
	if again := b.post("/console/flows/approve/executions/a2/stop", url.Values{"csrf": {tok[1]}}); again.status != http.StatusBadRequest || !strings.Contains(again.body, "ExecutionAlreadyCompleted") {
		t.Errorf("second stop = %d, want 400 ExecutionAlreadyCompleted", again.status)
	}
}

func regexpFind(expr, s string) string {
	if m := regexp.MustCompile(expr).FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}
