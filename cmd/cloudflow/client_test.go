package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serverMock answers the examples' tasks on the test server: the order
// flow's (with its cases) and the approval's submission.
const serverMock = `States:
  Reserve: {Return: {Body: {reservationId: res-1}}}
  Charge: {Return: {Body: {receiptId: rcpt-1}}}
  Ship: {Return: {Body: ""}}
  Release: {Return: {Body: {released: true}}}
  AskApprover: {Return: {Code: 202, Header: {}, Body: queued}}
Cases:
  declined:
    States:
      Charge: {Error: Payment.Declined, Cause: insufficient funds}
`

const expressFlow = `Type: StateMachine
SpecVersion: v1
Name: hello
ExecutionMode: Express
StartAt: Greet
States:
  - Name: Greet
    Type: Pass
    OutputConstructor:
      greeting.$: format("Hello, {}!", $Input.name)
    End: true
`

// taskToken waits for the callback task of an execution to be submitted
// and returns its token, read from the TaskScheduled event's parameters.
func taskToken(t *testing.T, s *server, flowName, exec string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r := cli(t, s.env, "history", "-json", flowName, exec)
		r.want(t, 0)
		var evs []struct {
			Type        string `json:"Type"`
			EventDetail string `json:"EventDetail"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &evs); err != nil {
			t.Fatalf("history -json: %v\n%s", err, r.stdout)
		}
		token, submitted := "", false
		for _, ev := range evs {
			switch ev.Type {
			case "TaskScheduled":
				var d struct {
					Parameters struct {
						Body struct {
							Token string `json:"token"`
						} `json:"body"`
					} `json:"Parameters"`
				}
				if err := json.Unmarshal([]byte(ev.EventDetail), &d); err != nil {
					t.Fatal(err)
				}
				token = d.Parameters.Body.Token
			case "TaskSubmitted":
				submitted = true
			}
		}
		if submitted && token != "" {
			return token
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/%s never waited for a callback", flowName, exec)
	return ""
}

func TestCLI_Client(t *testing.T) {
	mock := filepath.Join(t.TempDir(), "mock.yaml")
	if err := os.WriteFile(mock, []byte(serverMock), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, mock, nil)
	order, approval := examples("order", "order.yaml"), examples("approval", "approval.yaml")
	hello := filepath.Join(t.TempDir(), "hello.yaml")
	if err := os.WriteFile(hello, []byte(expressFlow), 0o644); err != nil {
		t.Fatal(err)
	}

	// apply creates, then updates.
	cli(t, s.env, "apply", order, approval, hello).want(t, 0, "created flow order from", "created flow approval from", "created flow hello from")
	cli(t, s.env, "apply", order).want(t, 0, "updated flow order from")
	l := cli(t, s.env, "list")
	l.want(t, 0, "approval", "order", "hello")
	if !strings.Contains(l.stdout, "Express") {
		t.Errorf("list: hello is not Express:\n%s", l.stdout)
	}

	// sync runs the Express flow.
	cli(t, s.env, "sync", "hello", "-input", `{"name":"Ada"}`).want(t, 0, `{"greeting":"Hello, Ada!"}`)

	// start + describe -wait: a succeeded order.
	in := `{"orderId":"o-1","total":42,"items":[{"sku":"book"}]}`
	cli(t, s.env, "start", "order", "-input", in, "-name", "o-1").want(t, 0, "o-1")
	cli(t, s.env, "describe", "order", "o-1", "-wait").want(t, 0, "Status:   Succeeded", `"receipt":"rcpt-1"`)

	// The mock case picked by the execution name: a declined card.
	cli(t, s.env, "start", "order", "-input", in, "-name", "o-2__declined").want(t, 0)
	d := cli(t, s.env, "describe", "-wait", "order", "o-2__declined")
	d.want(t, 1, "Status:   Failed", "Error:    Order.PaymentDeclined", "Cause:    the card was declined")
	h := cli(t, s.env, "history", "order", "o-2__declined")
	h.want(t, 0, "Charge", "caught", "Payment.Declined: insufficient funds", "Release", "PaymentDeclined", "Failed after")
	cli(t, s.env, "list", "order").want(t, 0, "o-1", "Succeeded", "o-2__declined", "Failed")
	cli(t, s.env, "list", "order", "-status", "Failed").want(t, 0, "o-2__declined")

	// graph -execution colours the states by outcome.
	g := cli(t, s.env, "graph", order, "-execution", "o-2__declined", "-format", "svg")
	g.want(t, 0, `data-state="Charge" data-type="Task" data-status="caught"`, `data-state="Ship" data-type="Task" data-status="notreached"`,
		`data-state="PaymentDeclined" data-type="Fail" data-status="failed"`)

	// Callbacks: report-success and report-failure with the task token.
	cli(t, s.env, "start", "approval", "-input", `{"id":"e-1","amount":10,"approver":"ann"}`, "-name", "a-1").want(t, 0)
	tok := taskToken(t, s, "approval", "a-1")
	cli(t, s.env, "report-success", tok, "-output", `{"by":"ann"}`).want(t, 0, "reported success")
	cli(t, s.env, "describe", "approval", "a-1", "-wait").want(t, 0, "Status:   Succeeded", `"approvedBy":"ann"`)
	cli(t, s.env, "report-success", tok).want(t, 1) // already reported

	cli(t, s.env, "start", "approval", "-input", `{"id":"e-2","amount":9000,"approver":"bob"}`, "-name", "a-2").want(t, 0)
	tok = taskToken(t, s, "approval", "a-2")
	cli(t, s.env, "report-failure", tok, "-error", "Approval.Rejected", "-cause", "over budget").want(t, 0, "reported failure")
	cli(t, s.env, "describe", "approval", "a-2", "-wait").want(t, 1, "Status:   Failed", "Error:    Expense.Rejected")

	// stop ends a waiting execution.
	cli(t, s.env, "start", "approval", "-input", `{"id":"e-3","amount":1,"approver":"cid"}`, "-name", "a-3").want(t, 0)
	taskToken(t, s, "approval", "a-3")
	cli(t, s.env, "stop", "approval", "a-3", "-error", "Ops.Cancelled", "-cause", "by hand").want(t, 0, "a-3")
	cli(t, s.env, "describe", "approval", "a-3", "-wait").want(t, 1, "Status:   Stopped", "Error:    Ops.Cancelled")

	// Errors of the service are shown with their code; bad keys are refused.
	r := cli(t, s.env, "describe", "order", "nosuch")
	if r.code != 1 || !strings.Contains(r.stderr, "ExecutionNotExists") {
		t.Errorf("describe nosuch: exit %d, stderr %q", r.code, r.stderr)
	}
	bad := append(append([]string(nil), s.env[0]), "ALIBABA_CLOUD_ACCESS_KEY_ID="+testKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong")
	r = cli(t, bad, "list")
	if r.code != 1 || !strings.Contains(r.stderr, "SignatureNotMatch") {
		t.Errorf("list with a wrong secret: exit %d, stderr %q; want SignatureNotMatch", r.code, r.stderr)
	}
}
