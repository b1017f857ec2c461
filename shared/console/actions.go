package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
)

// Every action below goes through api.Handler.Invoke: the same parameter
// checks, service calls and errors as the signed API.

// start runs StartExecution (Standard: then shows the execution) or
// StartSyncExecution (Express: the result shows on the flow page).
func (c *Console) start(w http.ResponseWriter, r *http.Request, rq *request) {
	flowName := r.PathValue("flow")
	body, err := c.flowBody(rq, flowName)
	if err != nil {
		c.failErr(w, rq, err)
		return
	}
	name, input := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("input")
	body.StartName, body.StartInput = name, input
	params := url.Values{"FlowName": {flowName}}
	if name != "" {
		params.Set("ExecutionName", name)
	}
	if strings.TrimSpace(input) != "" {
		params.Set("Input", input)
	}
	action := "StartExecution"
	if body.Mode == "Express" {
		action = "StartSyncExecution"
	}
	resp, apiErr := c.api.Invoke(rq.ctx, action, params)
	if apiErr != nil {
		c.renderFlow(w, rq, apiErr.Status, body, apiMessage(apiErr))
		return
	}
	switch out := resp.(type) {
	case *api.ExecutionResponse:
		http.Redirect(w, r, Prefix+"flows/"+url.PathEscape(flowName)+"/executions/"+url.PathEscape(out.Name), http.StatusSeeOther)
	case *api.SyncExecutionResponse:
		res := &syncResult{Name: out.Name, Status: out.Status, Output: pretty(out.Output), Error: out.ErrorCode, Cause: out.ErrorMessage}
		res.Started, _ = parseTime(out.StartedTime)
		res.Stopped, _ = parseTime(out.StoppedTime)
		body.Result = res
		c.renderFlow(w, rq, http.StatusOK, body, "")
	default:
		c.fail(w, rq, http.StatusInternalServerError, "unexpected response")
	}
}

// stop runs StopExecution, with the optional Error and Cause of the form.
func (c *Console) stop(w http.ResponseWriter, r *http.Request, rq *request) {
	flowName, name := r.PathValue("flow"), r.PathValue("name")
	params := url.Values{"FlowName": {flowName}, "ExecutionName": {name}}
	for field, param := range map[string]string{"error": "Error", "cause": "Cause"} {
		if v := strings.TrimSpace(r.PostFormValue(field)); v != "" {
			params.Set(param, v)
		}
	}
	c.act(w, r, rq, "StopExecution", params, "stopped")
}

// report runs ReportTaskSucceeded (with the form's output) or
// ReportTaskFailed (with its error and cause) for the form's task token.
func (c *Console) report(w http.ResponseWriter, r *http.Request, rq *request) {
	params := url.Values{"TaskToken": {r.PostFormValue("token")}}
	action, flash := "ReportTaskSucceeded", "reported"
	if r.PostFormValue("outcome") == "failed" {
		action, flash = "ReportTaskFailed", "reportedFailed"
		params.Set("Error", r.PostFormValue("error"))
		if cause := r.PostFormValue("cause"); cause != "" {
			params.Set("Cause", cause)
		}
	} else {
		params.Set("Output", r.PostFormValue("output"))
	}
	c.act(w, r, rq, action, params, flash)
}

// flashes are the notices an action leaves for the page it redirects to.
var flashes = map[string]string{
	"stopped":        "Execution stopped.",
	"reported":       "Task reported as succeeded.",
	"reportedFailed": "Task reported as failed.",
}

// act invokes an operation about the execution in the path; on success it
// redirects to the execution's page with the notice flash, else it shows the
// page with the API's error.
func (c *Console) act(w http.ResponseWriter, r *http.Request, rq *request, action string, params url.Values, flash string) {
	flowName, name := r.PathValue("flow"), r.PathValue("name")
	_, apiErr := c.api.Invoke(rq.ctx, action, params)
	if apiErr == nil {
		http.Redirect(w, r, Prefix+"flows/"+url.PathEscape(flowName)+"/executions/"+url.PathEscape(name)+"?flash="+flash, http.StatusSeeOther)
		return
	}
	b, err := c.execution(rq, flowName, name)
	if err != nil {
		c.failErr(w, rq, err)
		return
	}
	c.renderExecution(w, rq, apiErr.Status, b, "", apiMessage(apiErr))
}

// loginPage shows the sign-in form (or, without keys, says none is needed).
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := c.begin(w, r)
	if !ok {
		return
	}
	c.render(w, rq, http.StatusOK, "login", page{Title: "Sign in", Body: loginBody{Next: safeNext(r.URL.Query().Get("next"))}})
}

type loginBody struct{ Next, KeyID string }

// login checks the access key pair and starts a signed-in session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	rq, ok := c.begin(w, r)
	if !ok {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	if err := c.sessions.checkToken(rq.session, r.PostFormValue(csrfField)); err != nil {
		c.fail(w, rq, http.StatusForbidden, "This form was refused: it did not carry the token of your session. Reload the page and try again.")
		return
	}
	if c.sessions.open() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	keyID := r.PostFormValue("access_key_id")
	ss, err := c.sessions.login(keyID, r.PostFormValue("access_key_secret"))
	if err != nil {
		c.render(w, rq, http.StatusUnauthorized, "login", page{Title: "Sign in", Error: "Unknown access key ID or wrong secret.",
			Body: loginBody{Next: next, KeyID: keyID}})
		return
	}
	c.sessions.set(w, r, ss)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session: a fresh anonymous one replaces it.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, rq *request) {
	account := ""
	if c.sessions.open() {
		account = auth.DefaultAccount
	}
	ss, err := c.sessions.fresh(account, "")
	if err != nil {
		c.fail(w, rq, http.StatusInternalServerError, "internal error")
		return
	}
	c.sessions.set(w, r, ss)
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return Prefix
	}
	return next
}
