package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// Prefix is the path the console is served under; the API keeps "/".
const Prefix = "/console/"

// Defaults of Options.
const (
	DefaultSessionTTL   = 12 * time.Hour
	DefaultPollInterval = time.Second
	// pageSize is how many flows or executions a list page shows.
	pageSize = 50
	// maxHistory bounds the history events an execution page reads.
	maxHistory = 100_000
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options are the optional knobs of New; zero fields take the defaults.
type Options struct {
	// Keys are the configured access keys. With none the console is open:
	// every visitor acts as auth.DefaultAccount, as unsigned API requests
	// do, and every page says so.
	Keys auth.Keys
	// Now is the clock of sessions and of running executions' timelines;
	// default time.Now.
	Now func() time.Time
	// SessionTTL is how long a session lasts; default DefaultSessionTTL.
	SessionTTL time.Duration
	// PollInterval is how often an execution page refreshes while the
	// execution runs; default DefaultPollInterval.
	PollInterval time.Duration
	// Rand is the source of session nonces and, without keys, of the
	// session signing key; default crypto/rand.
	Rand io.Reader
	// Logger receives failures of the service (500s); default
	// slog.Default().
	Logger *slog.Logger
}

// Console is the web console. It is safe for concurrent use.
type Console struct {
	svc      *execution.Service
	api      *api.Handler
	opts     Options
	sessions *sessions
	pages    map[string]*template.Template
	mux      *http.ServeMux
}

// New returns the console over svc, changing things only through api. It
// fails only when opts.Rand fails.
func New(svc *execution.Service, apiHandler *api.Handler, opts Options) (*Console, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ss, err := newSessions(opts.Keys, opts.SessionTTL, opts.Now, opts.Rand)
	if err != nil {
		return nil, err
	}
	c := &Console{svc: svc, api: apiHandler, opts: opts, sessions: ss, pages: parsePages()}
	c.routes()
	return c, nil
}

// parsePages parses each page template with the layout. The templates are
// embedded, so a parse error is a bug caught by every test.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"flows", "flow", "executions", "execution", "login", "error"} {
		t := template.New("layout.html").Funcs(funcs)
		pages[name] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return pages
}

func (c *Console) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", http.FileServerFS(static)))
	m.HandleFunc("GET "+Prefix+"login", c.loginPage)
	m.HandleFunc("POST "+Prefix+"login", c.login)
	m.HandleFunc("POST "+Prefix+"logout", c.post(c.logout))
	m.HandleFunc("GET "+Prefix+"{$}", c.get(c.flowsPage))
	m.HandleFunc("GET "+Prefix+"flows/{flow}", c.get(c.flowPage))
	m.HandleFunc("POST "+Prefix+"flows/{flow}/start", c.post(c.start))
	m.HandleFunc("GET "+Prefix+"flows/{flow}/executions", c.get(c.executionsPage))
	m.HandleFunc("GET "+Prefix+"flows/{flow}/executions/{name}", c.get(c.executionPage))
	m.HandleFunc("GET "+Prefix+"flows/{flow}/executions/{name}/live", c.get(c.executionLive))
	m.HandleFunc("POST "+Prefix+"flows/{flow}/executions/{name}/stop", c.post(c.stop))
	m.HandleFunc("POST "+Prefix+"flows/{flow}/executions/{name}/report", c.post(c.report))
	m.HandleFunc(Prefix, c.get(func(w http.ResponseWriter, r *http.Request, rq *request) {
		c.fail(w, rq, http.StatusNotFound, "There is no console page at "+r.URL.Path+".")
	}))
	c.mux = m
}

// ServeHTTP serves the console pages under Prefix.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	c.mux.ServeHTTP(w, r)
}

// With returns a handler that serves the console under Prefix (and
// redirects /console to it) and every other path with api.
func (c *Console) With(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, Prefix):
			c.ServeHTTP(w, r)
		case r.URL.Path == strings.TrimSuffix(Prefix, "/") && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// request is what a page handler knows about the request.
type request struct {
	r       *http.Request
	session session
	ctx     context.Context // carries the session's identity
}

// page is the data every page template gets.
type page struct {
	Title    string
	Open     bool   // no access keys: unsigned requests accepted
	Account  string // "" before signing in
	KeyID    string
	CSRF     string
	Prefix   string
	Crumbs   []crumb
	Flash    string // a notice
	Error    string // an error message
	Poll     int    // live refresh interval in milliseconds
	Body     any    // the page's own data
	PageName string
}

type crumb struct{ Label, Href string }

type handlerFunc func(w http.ResponseWriter, r *http.Request, rq *request)

// get wraps a page handler: it needs a session, signed in when keys are
// configured (else it redirects to the login page).
func (c *Console) get(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rq, ok := c.begin(w, r)
		if !ok {
			return
		}
		if rq.session.Account == "" {
			http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r, rq)
	}
}

// post wraps an action: it needs a signed-in session and the session's form
// token, else it answers 403.
func (c *Console) post(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, api.MaxBodyBytes)
		rq, ok := c.begin(w, r)
		if !ok {
			return
		}
		if err := c.sessions.checkToken(rq.session, r.PostFormValue(csrfField)); err != nil || rq.session.Account == "" {
			c.fail(w, rq, http.StatusForbidden, "This form was refused: it did not carry the token of your session (a cross-site request, or a page older than your sign-in). Reload the page and try again.")
			return
		}
		h(w, r, rq)
	}
}

func (c *Console) begin(w http.ResponseWriter, r *http.Request) (*request, bool) {
	ss, err := c.sessions.get(w, r)
	if err != nil {
		c.opts.Logger.Error("console: session", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return nil, false
	}
	id := auth.Identity{AccountID: ss.Account, AccessKeyID: ss.KeyID}
	return &request{r: r, session: ss, ctx: auth.NewContext(r.Context(), id)}, true
}

// render writes a page with status.
func (c *Console) render(w http.ResponseWriter, rq *request, status int, name string, p page) {
	p.Open = c.sessions.open()
	p.Account, p.KeyID = rq.session.Account, rq.session.KeyID
	p.CSRF = c.sessions.token(rq.session)
	p.Prefix = Prefix
	p.PageName = name
	p.Poll = int(c.opts.PollInterval / time.Millisecond)
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, p); err != nil {
		c.opts.Logger.Error("console: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the error page.
func (c *Console) fail(w http.ResponseWriter, rq *request, status int, msg string) {
	c.render(w, rq, status, "error", page{Title: http.StatusText(status), Error: msg})
}

// failErr renders the error page for an error of the service (reads): the
// API's code, status and message, as a signed request would get them.
func (c *Console) failErr(w http.ResponseWriter, rq *request, err error) {
	e := api.ErrorFor(err)
	if e.Status >= http.StatusInternalServerError {
		c.opts.Logger.Error("console: request failed", "path", rq.r.URL.Path, "err", err)
	}
	c.fail(w, rq, e.Status, apiMessage(e))
}

// apiMessage is how an API error reads on a page.
func apiMessage(e *api.Error) string {
	return e.Code + ": " + e.Message
}
