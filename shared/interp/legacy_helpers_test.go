package interp

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// legacyInvoke serves the actions legacy task steps compile to, so that the
// golden harness's testTasks can run them. FC functions are chosen by name
// (the ARN part after "functions/"); the event is Parameters.body:
//
//	echo   returns {"Body": event}
//	fail   fails with event.error / event.cause
//	flaky  fails with event.error while RetryCount < event.failures, then returns {"Body": {"attempt": RetryCount}}
//	block  sleeps on clock until ctx is done (a Timeout fires in fake time)
//	text   returns {"Body": "plain text"}
//
// FNF:StartExecution returns {"child": input} with WaitForSystemCallback and
// {"FlowName", "ExecutionName": "child-1", "RequestID": "req-1"} otherwise.
func legacyInvoke(ctx context.Context, clock *fakeClock, call TaskCall) (any, error) {
	p, _ := call.Parameters.(map[string]any)
	arn, _ := p["resourceArn"].(string)
	if call.Action == "FNF:StartExecution" {
		if call.Mode == flow.WaitForSystemCallback {
			return map[string]any{"child": p["input"]}, nil
		}
		name := arn[strings.LastIndex(arn, "/")+1:]
		return map[string]any{"FlowName": name, "ExecutionName": "child-1", "RequestID": "req-1"}, nil
	}
	fn := arn
	if _, after, ok := strings.Cut(arn, "functions/"); ok {
		fn, _, _ = strings.Cut(after, "/")
	}
	ev, _ := p["body"].(map[string]any)
	switch fn {
	case "echo":
		return map[string]any{"Body": ev}, nil
	case "fail":
		name, _ := ev["error"].(string)
		cause, _ := ev["cause"].(string)
		return nil, &Error{Name: name, Detail: cause}
	case "flaky":
		n, _ := ev["failures"].(int64)
		if int64(call.RetryCount) < n {
			name, _ := ev["error"].(string)
			return nil, &Error{Name: name, Detail: "flaky"}
		}
		return map[string]any{"Body": map[string]any{"attempt": int64(call.RetryCount)}}, nil
	case "block":
		if err := clock.Sleep(ctx, 1000*time.Hour); err != nil {
			return nil, err
		}
		return nil, errors.New("block was never cancelled")
	case "text":
		return map[string]any{"Body": "plain text"}, nil
	}
	return nil, &Error{Name: "FC.FunctionNotFound", Detail: fn}
}
