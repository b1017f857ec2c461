package console_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// mapFlow fans out over $Input.items; each iteration records six history
// events, so 166 items make an execution of about 1,000 events.
const benchMapFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Each
States:
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

// apiPost calls an operation with a plain form POST (open mode).
func apiPost(tb testing.TB, base, action string, form url.Values) {
	resp, err := http.PostForm(base+"/?Action="+action+"&Version=2019-03-15", form)
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s: %d %s", action, resp.StatusCode, body)
	}
}

// BenchmarkConsole_Pages measures how long the console takes to serve the
// execution list of a flow with 10,000 executions (first page, a filtered
// page, a page deep in the list) and the page of an execution with about
// 1,000 history events, over HTTP on the memory store. With CHROMIUM_PATH
// set it also reports the browser's load time (navigation start to the load
// event) as browser-ms.
//
//	go test -run '^$' -bench Console_Pages -benchtime 20x ./shared/console
func BenchmarkConsole_Pages(b *testing.B) {
	s := newServer(b, "")
	c := s.client(b, "", "")
	createFlow(b, c, "many", okFlow, "Standard")
	createFlow(b, c, "wide", benchMapFlow, "Standard")

	start := time.Now()
	const n = 10_000
	var wg sync.WaitGroup
	names := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range names {
				apiPost(b, s.URL, "StartExecution", url.Values{"FlowName": {"many"}, "ExecutionName": {fmt.Sprintf("run-%05d", i)}, "Input": {`{"name":"x"}`}})
			}
		}()
	}
	for i := range n {
		names <- i
	}
	close(names)
	wg.Wait()
	items := make([]string, 166)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	apiPost(b, s.URL, "StartExecution", url.Values{"FlowName": {"wide"}, "ExecutionName": {"big"}, "Input": {`{"items":[` + strings.Join(items, ",") + `]}`}})
	waitStatus(b, s, "wide", "big", "Succeeded")
	waitStatus(b, s, "many", "run-00000", "Succeeded")
	b.Logf("setup: %d executions in %v", n+1, time.Since(start))

	pages := []struct{ name, path, want string }{
		{"ExecutionList10k", "/console/flows/many/executions", "run-"},
		{"ExecutionList10k_Filtered", "/console/flows/many/executions?status=Succeeded&prefix=run-09", "run-09"},
		{"ExecutionList10k_Deep", "/console/flows/many/executions?next=run-00100", "run-00100"},
		{"ExecutionPage1000Events", "/console/flows/wide/executions/big", "Square"},
	}
	br := newBrowser(b, s)
	var ch *chrome
	if path := os.Getenv(EnvChromium); path != "" {
		ch = startChrome(b, path, b.TempDir())
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			if got := br.get(p.path); got.status != http.StatusOK || !strings.Contains(got.body, p.want) {
				b.Fatalf("GET %s = %d, want 200 with %q", p.path, got.status, p.want)
			}
			b.ResetTimer()
			for range b.N {
				br.get(p.path)
			}
			b.StopTimer()
			if ch != nil {
				ms := ch.loadMillis(s.URL + p.path)
				b.ReportMetric(ms, "browser-ms")
			}
		})
	}
	if strings.Contains(br.get("/console/flows/wide/executions/big").body, "1000 events") {
		b.Logf("execution page: 1000 events")
	}
}

// loadMillis navigates to url and returns navigation start to load end.
func (c *chrome) loadMillis(u string) float64 {
	if err := chromedp.Do(c.ctx, chromedp.Navigate(u)); err != nil {
		c.t.Fatal(err)
	}
	ms, err := chromedp.Run(c.ctx, chromedp.Evaluate[float64](`(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime })()`))
	if err != nil {
		c.t.Fatal(err)
	}
	return ms
}
