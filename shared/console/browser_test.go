package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// EnvChromium names the Chromium binary the browser tests drive (.ci/run
// sets it after installing Debian's chromium); without it they skip.
const EnvChromium = "CHROMIUM_PATH"

// EnvScreenshots names a folder for the browser tests' screenshots; unset,
// they go to a new temporary folder whose name the test logs.
const EnvScreenshots = "CONSOLE_SCREENSHOTS"

// chrome is one headless Chromium with its own profile.
type chrome struct {
	t     testing.TB
	ctx   context.Context
	shots string
}

func newChrome(t *testing.T) *chrome {
	t.Helper()
	path := os.Getenv(EnvChromium)
	if path == "" {
		t.Skip(EnvChromium + " is not set: the browser tests need Chromium (Debian's chromium package; .ci/chromium installs it and .ci/run sets it)")
	}
	shots := os.Getenv(EnvScreenshots)
	if shots == "" {
		var err error
		if shots, err = os.MkdirTemp("", "cloudflow-console-shots-*"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	return startChrome(t, path, shots)
}

// startChrome starts the Chromium at path with a fresh profile and the
// flags of a quiet, offline, sandboxless headless run.
func startChrome(t testing.TB, path, shots string) *chrome {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return &chrome{t: t, ctx: ctx, shots: shots}
}

// run runs browser actions and fails the test on error.
func (c *chrome) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to url and waits for the page's main element.
func (c *chrome) open(url string) {
	c.t.Helper()
	c.run("open "+url, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main")))
}

// eval returns the value of a JavaScript expression.
func eval[T any](c *chrome, expr string) T {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		c.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// until waits for a JavaScript expression to be true.
func (c *chrome) until(what, expr string) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if ok, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			c.shot("timeout-" + strings.ReplaceAll(what, " ", "-"))
			c.t.Fatalf("waiting for %s: %s never became true", what, expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot saves a full-page PNG screenshot.
func (c *chrome) shot(name string) {
	c.t.Helper()
	buf, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(c.shots, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// status returns the data-status of a graph state.
func (c *chrome) status(state string) string {
	c.t.Helper()
	return eval[string](c, fmt.Sprintf(`(document.querySelector('.graph g.node[data-state=%q]')||{getAttribute:()=>"absent"}).getAttribute("data-status")`, state))
}

func (c *chrome) wantStatuses(page string, want map[string]string) {
	c.t.Helper()
	for state, w := range want {
		if got := c.status(state); got != w {
			c.t.Errorf("%s: state %s is %q, want %q", page, state, got, w)
		}
	}
}

func TestBrowser_Console(t *testing.T) {
	c := newChrome(t)
	s := newServer(t, "")
	api := s.client(t, "", "")
	for name, def := range map[string]string{"greet": okFlow, "card": catchFlow, "fan": fanFlow, "approve": callbackFlow, "slow": slowFlow} {
		createFlow(t, api, name, def, "Standard")
	}
	start := func(flow, name, input string) {
		call(t, api, "StartExecution", map[string]string{"FlowName": flow, "ExecutionName": name, "Input": input})
	}
	start("greet", "g1", `{"name":"Ada"}`)
	start("card", "c1", `{"amount":3}`)
	start("fan", "f1", `{}`)
	start("approve", "a1", `{}`)
	start("approve", "a2", `{}`)
	waitStatus(t, s, "card", "c1", "Succeeded")
	waitStatus(t, s, "fan", "f1", "Succeeded")
	u := s.URL + "/console/"

	t.Run("flows list", func(t *testing.T) {
		c.t = t
		c.open(u)
		if n := eval[int](c, `document.querySelectorAll('table[data-testid=flows] tbody tr').length`); n != 5 {
			t.Errorf("flows listed = %d, want 5", n)
		}
		if !eval[bool](c, `!!document.querySelector('[data-testid=open-banner]')`) {
			t.Errorf("no open-mode banner without access keys")
		}
		c.shot("01-flows")
	})

	t.Run("flow graph shows every state", func(t *testing.T) {
		c.t = t
		c.open(u + "flows/fan")
		got := eval[[]string](c, `[...document.querySelectorAll('.graph g.node')].map(g => g.getAttribute('data-state')).sort()`)
		want := []string{"Each", "Each/Processor/Square", "Fork", "Fork/Branches[0]/Work", "Fork/Branches[1]/Note"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("graph states = %v, want %v", got, want)
		}
		c.shot("02-flow-fan")
	})

	t.Run("parallel and map execution", func(t *testing.T) {
		c.t = t
		c.open(u + "flows/fan/executions/f1")
		c.wantStatuses("fan/f1", map[string]string{"Fork": "succeeded", "Fork/Branches[0]/Work": "retried",
			"Fork/Branches[1]/Note": "succeeded", "Each": "succeeded", "Each/Processor/Square": "succeeded"})
		// Branches and iterations are lanes that open with the keyboard.
		c.run("open the lanes",
			chromedp.Focus(chromedp.CSS(`details.lanes > summary`)), chromedp.KeyEvent(kb.Enter),
			chromedp.Focus(chromedp.CSS(`details.sublane > summary`)), chromedp.KeyEvent(kb.Enter))
		if !eval[bool](c, `document.querySelector('details.sublane').open && document.querySelector('details.sublane li.step[data-state="Fork/Branches[0]/Work"]') !== null`) {
			t.Errorf("Fork's first branch lane does not open onto Work")
		}
		if n := eval[int](c, `document.querySelectorAll('li.step[data-state="Each/Processor/Square"]').length`); n != 3 {
			t.Errorf("Map iterations in the timeline = %d, want 3", n)
		}
		if n := eval[int](c, `document.querySelectorAll('li.step[data-state="Fork/Branches[0]/Work"] .seg.wait').length`); n != 1 {
			t.Errorf("Work's retry waits on the timeline = %d, want 1", n)
		}
		c.shot("03-execution-fan")
	})

	t.Run("failure caught", func(t *testing.T) {
		c.t = t
		c.open(u + "flows/card/executions/c1")
		c.wantStatuses("card/c1", map[string]string{"Charge": "caught", "Refund": "succeeded", "Ship": "notreached"})
		c.run("open Charge", chromedp.Click(chromedp.CSS(`li.step[data-state="Charge"] > details > summary`)))
		if txt := eval[string](c, `document.querySelector('li.step[data-state="Charge"] .detail').innerText`); !strings.Contains(txt, "Payment.Declined") || !strings.Contains(txt, "card expired") {
			t.Errorf("Charge's details = %q, want its error and cause", txt)
		}
		c.shot("04-execution-caught")
	})

	t.Run("live updates while running", func(t *testing.T) {
		c.t = t
		start("slow", "s1", `{}`)
		c.open(u + "flows/slow/executions/s1")
		c.until("Slow running", `document.querySelector('.graph g.node[data-state="Slow"]').getAttribute('data-status') === 'running'`)
		c.wantStatuses("slow/s1 while running", map[string]string{"First": "succeeded", "Pause": "notreached", "Last": "notreached"})
		before := eval[int](c, `document.querySelectorAll('#live li.step').length`)
		c.shot("05-live-running")
		// No reload: the page polls and recolours.
		c.until("Last succeeded", `document.querySelector('.graph g.node[data-state="Last"]').getAttribute('data-status') === 'succeeded'`)
		c.until("status Succeeded", `document.querySelector('[data-testid=exec-status] [data-status]').getAttribute('data-status') === 'Succeeded'`)
		after := eval[int](c, `document.querySelectorAll('#live li.step').length`)
		if before >= after || after != 4 {
			t.Errorf("timeline steps before/after = %d/%d, want it to grow to 4", before, after)
		}
		c.shot("06-live-done")
	})

	t.Run("callback buttons resume", func(t *testing.T) {
		c.t = t
		c.open(u + "flows/approve/executions/a1")
		c.until("token shown", `!!document.querySelector('[data-testid=token]')`)
		c.wantStatuses("approve/a1", map[string]string{"Approve": "running", "Done": "notreached"})
		// Bad JSON is caught before sending.
		c.run("type bad output", chromedp.SetValue(chromedp.CSS(`#rout`), `{oops`), chromedp.Click(chromedp.CSS(`[data-testid=report-success]`)))
		if msg := eval[string](c, `document.getElementById('rout-msg').textContent`); !strings.Contains(msg, "Not valid JSON") {
			t.Errorf("message for bad JSON = %q", msg)
		}
		c.shot("07-callback-waiting")
		c.run("report success", chromedp.SetValue(chromedp.CSS(`#rout`), `{"approved":true}`),
			chromedp.Click(chromedp.CSS(`[data-testid=report-success]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)))
		c.until("status Succeeded", `document.querySelector('[data-testid=exec-status] [data-status]').getAttribute('data-status') === 'Succeeded'`)
		c.until("Done succeeded", `document.querySelector('.graph g.node[data-state="Done"]').getAttribute('data-status') === 'succeeded'`)
		c.shot("08-callback-reported")
	})

	t.Run("stop button stops", func(t *testing.T) {
		c.t = t
		c.open(u + "flows/approve/executions/a2")
		c.run("stop", chromedp.SetValue(chromedp.CSS(`#serr`), `Ops.Cancelled`),
			chromedp.Click(chromedp.CSS(`[data-testid=stop]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)))
		c.until("status Stopped", `document.querySelector('[data-testid=exec-status] [data-status]').getAttribute('data-status') === 'Stopped'`)
		if txt := eval[string](c, `document.querySelector('[data-testid=exec-error]').innerText`); !strings.Contains(txt, "Ops.Cancelled") {
			t.Errorf("error line = %q, want Ops.Cancelled", txt)
		}
		c.shot("09-stopped")
	})

	t.Run("executions list filter", func(t *testing.T) {
		c.t = t
		c.open(u + "flows/approve/executions")
		c.run("filter Stopped", chromedp.SetValue(chromedp.CSS(`#fstatus`), `Stopped`),
			chromedp.Submit(chromedp.CSS(`#fprefix`)), chromedp.WaitReady(chromedp.CSS(`main`)))
		c.until("filtered", `location.search.includes('status=Stopped')`)
		got := eval[[]string](c, `[...document.querySelectorAll('tr[data-execution]')].map(r => r.getAttribute('data-execution'))`)
		if strings.Join(got, ",") != "a2" {
			t.Errorf("Stopped executions = %v, want [a2]", got)
		}
		c.shot("10-executions-filtered")
	})

	t.Run("forged post refused", func(t *testing.T) {
		c.t = t
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `<!DOCTYPE html><form id="f" method="post" action="%sflows/greet/start"><input name="name" value="forged"><input name="input" value="{}"></form><script>document.getElementById("f").submit()</script>`, u)
		}))
		defer evil.Close()
		c.run("visit the other site", chromedp.Navigate(evil.URL), chromedp.WaitReady(chromedp.CSS(`main`)))
		if txt := eval[string](c, `document.body.innerText`); !strings.Contains(txt, "refused") {
			t.Errorf("forged POST page = %q, want it refused", txt)
		}
		c.shot("11-forged-refused")
		list := call(t, api, "ListExecutions", map[string]string{"FlowName": "greet"})
		for _, e := range list["Executions"].([]any) {
			if e.(map[string]any)["Name"] == "forged" {
				t.Errorf("the forged POST started an execution")
			}
		}
	})

	t.Run("phone width and keyboard", func(t *testing.T) {
		c.t = t
		c.run("phone", chromedp.EmulateViewport(390, 844))
		c.open(u + "flows/fan/executions/f1")
		if wide := eval[bool](c, `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
			t.Errorf("execution page scrolls sideways at 390px")
		}
		c.run("tab", chromedp.KeyEvent(kb.Tab))
		if cls := eval[string](c, `document.activeElement.className`); cls != "skip" {
			t.Errorf("first Tab focuses %q, want the skip link", cls)
		}
		if title := eval[string](c, `document.querySelector('time').title`); !strings.HasSuffix(title, "(UTC)") {
			t.Errorf("time title = %q, want the UTC value", title)
		}
		c.shot("12-phone-execution")
		c.run("laptop", chromedp.EmulateViewport(1280, 900))
	})
}

// With access keys set the console asks for a key pair and shows only that
// account's flows.
func TestBrowser_Console_AccessKeys(t *testing.T) {
	c := newChrome(t)
	s := newServer(t, "ak1:secret1@alice,ak2:secret2@bob")
	createFlow(t, s.client(t, "ak1", "secret1"), "alice-orders", okFlow, "Standard")
	createFlow(t, s.client(t, "ak2", "secret2"), "bob-payroll", okFlow, "Standard")
	c.open(s.URL + "/console/")
	c.until("login page", `location.pathname === '/console/login'`)
	c.shot("13-login")
	c.run("sign in", chromedp.SendKeys(chromedp.CSS(`#akid`), "ak1"), chromedp.SendKeys(chromedp.CSS(`#aksecret`), "secret1"),
		chromedp.Submit(chromedp.CSS(`#aksecret`)))
	c.until("flows", `location.pathname === '/console/' && !!document.querySelector('table[data-testid=flows]')`)
	got := eval[[]string](c, `[...document.querySelectorAll('tr[data-flow]')].map(r => r.getAttribute('data-flow'))`)
	if strings.Join(got, ",") != "alice-orders" {
		t.Errorf("alice sees flows %v, want only alice-orders", got)
	}
	if eval[bool](c, `!!document.querySelector('[data-testid=open-banner]')`) {
		t.Errorf("open-mode banner shown with access keys set")
	}
	if acct := eval[string](c, `document.querySelector('[data-testid=account]').textContent`); acct != "alice" {
		t.Errorf("account shown = %q, want alice", acct)
	}
	c.shot("14-flows-alice")
	c.open(s.URL + "/console/flows/bob-payroll")
	if txt := eval[string](c, `document.body.innerText`); !strings.Contains(txt, "FlowNotExists") {
		t.Errorf("bob's flow as alice: page = %q, want FlowNotExists", txt)
	}
}
