package console_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"

	"github.com/cloudflow-oss/cloudflow/shared/app"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
)

// server is the whole service (API on /, console on /console/) over real
// HTTP, on a memory store, answering Task states from a mock file.
type server struct {
	*httptest.Server
	app *app.App
}

// testMock answers the test flows' tasks: Charge fails (and is caught),
// Work retries once, Approve waits for a callback, Slow takes its time.
const testMock = `States:
  Charge:
    Error: Payment.Declined
    Cause: card expired
  Work:
    - {Error: Work.Busy, Cause: try later}
    - Return: {done: true}
  Approve:
    Return: {}
  Slow:
    Return: {slow: true}
    Delay: 2
`

func newServer(t testing.TB, keys string) *server {
	t.Helper()
	mock := filepath.Join(t.TempDir(), "mock.yaml")
	if err := os.WriteFile(mock, []byte(testMock), 0o600); err != nil {
		t.Fatal(err)
	}
	ks, err := auth.ParseKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Config{Store: app.StoreMemory, MockFile: mock, AccessKeys: ks,
		Logger: slog.New(slog.NewTextHandler(testWriter(t), nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	return &server{Server: srv, app: a}
}

// client is an official SDK client for the server's API.
func (s *server) client(t testing.TB, keyID, secret string) *openapi.Client {
	t.Helper()
	host := strings.TrimPrefix(s.URL, "http://")
	if keyID == "" {
		keyID, secret = "anonymous", "anonymous"
	}
	c, err := openapi.NewClient(&openapi.Config{
		AccessKeyId: dara.String(keyID), AccessKeySecret: dara.String(secret),
		Endpoint: dara.String(host), Protocol: dara.String("http"), NoProxy: dara.String(host),
		ReadTimeout: dara.Int(20_000), ConnectTimeout: dara.Int(5_000),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs one API operation as the SDK does and fails the test on error.
func call(t testing.TB, c *openapi.Client, action string, params map[string]string) map[string]any {
	t.Helper()
	body := map[string]any{}
	for k, v := range params {
		body[k] = v
	}
	res, err := c.CallApi(&openapi.Params{
		Action: dara.String(action), Version: dara.String("2019-03-15"),
		Protocol: dara.String("HTTPS"), Pathname: dara.String("/"), Method: dara.String("POST"),
		AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, &openapi.OpenApiRequest{Body: body}, &dara.RuntimeOptions{})
	if err != nil {
		t.Fatalf("%s(%v): %v", action, params, err)
	}
	out, _ := res["body"].(map[string]any)
	return out
}

// createFlow creates a flow from a definition whose Name is %s.
func createFlow(t testing.TB, c *openapi.Client, name, def, mode string) {
	t.Helper()
	call(t, c, "CreateFlow", map[string]string{"Name": name, "Definition": strings.Replace(def, "%s", name, 1),
		"Type": "FDL", "ExecutionMode": mode, "Description": "test flow " + name})
}

// browser is a plain HTTP client with a cookie jar that does not follow
// redirects, standing in for a browser in the handler tests.
type browser struct {
	t    testing.TB
	c    *http.Client
	base string
}

func newBrowser(t testing.TB, s *server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: s.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a fetched response.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) get(path string) page {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

func read(t testing.TB, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the form token of a page.
func (p page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("page has no form token: %.300s", p.body)
	}
	return m[1]
}

// testWriter sends logs to t.Log (shown for failing tests).
func testWriter(t testing.TB) io.Writer { return logWriter{t} }

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
