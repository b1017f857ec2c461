package action

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// maxChildInputBytes is StartExecution's Input limit (reference 10.3).
const maxChildInputBytes = 64 << 10

// namePattern is the naming rule of flows and client-supplied execution
// names (reference 2.5).
var namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,127}$`)

// StartRequest is one child execution to start.
type StartRequest struct {
	FlowName      string
	ExecutionName string // "" lets the service generate one
	Input         string // a JSON object as text; "" means {}
	// CallbackTaskToken, when set, is the parent task's token: the child
	// reports it when it ends (StartExecution.CallbackFnFTaskToken). Empty
	// in RequestComplete mode.
	CallbackTaskToken string
}

// Starter starts Standard executions in the account ctx carries
// (auth.FromContext); app adapts *execution.Service to it. StartExecution
// returns the execution's name, or a *StartError when the API refuses the
// start.
type Starter interface {
	StartExecution(ctx context.Context, req StartRequest) (string, error)
}

// StartError is a refusal of StartExecution: Code is the API error code
// (FlowNotExists, ExecutionAlreadyExists, ActionNotSupported for an
// Express flow, …) and Message its message.
type StartError struct {
	Code    string
	Message string
}

// Error returns "code: message".
func (e *StartError) Error() string { return e.Code + ": " + e.Message }

// FNFOptions configures FNF.
type FNFOptions struct {
	// Region is the service's region; a resourceArn naming another one is
	// FNF.InvalidArgument. Empty accepts any region.
	Region string
	// NewRequestID returns the RequestID of each start; default a UUID v4.
	NewRequestID func() string
}

// FNF runs FNF:StartExecution Tasks (reference 7.5): it starts a child
// execution of a flow in the same account. It is safe for concurrent use.
type FNF struct {
	starter Starter
	opts    FNFOptions
}

// NewFNF returns an FNF runner starting executions through starter.
func NewFNF(starter Starter, opts FNFOptions) *FNF {
	if opts.NewRequestID == nil {
		opts.NewRequestID = uuid.NewString
	}
	return &FNF{starter: starter, opts: opts}
}

// FlowARN is a parsed FNF:StartExecution resourceArn.
type FlowARN struct {
	Region  string // "" in the region-less form of legacy flows: this region
	Account string // "" in the form without an account
	Flow    string
}

// ParseFlowARN parses acs:fnf:{region}::flow/{name} and
// acs:fnf:{region}:{accountId}:flow/{name}, where an empty region (the
// acs:fnf:::flow/{name} of legacy sub-flow tasks, decision 62) means the
// service's own; it returns an error naming the problem for anything else.
func ParseFlowARN(arn string) (FlowARN, error) {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) != 5 || parts[0] != "acs" || parts[1] != "fnf" {
		return FlowARN{}, fmt.Errorf("resourceArn %q: want acs:fnf:{region}::flow/{name} or acs:fnf:{region}:{accountId}:flow/{name}", arn)
	}
	name, ok := strings.CutPrefix(parts[4], "flow/")
	if !ok {
		return FlowARN{}, fmt.Errorf("resourceArn %q: resource must be flow/{name}", arn)
	}
	if !namePattern.MatchString(name) {
		return FlowARN{}, fmt.Errorf("resourceArn %q: flow name %q breaks the naming rule ^[A-Za-z_][A-Za-z0-9_-]{0,127}$", arn, name)
	}
	return FlowARN{Region: parts[2], Account: parts[3], Flow: name}, nil
}

// startRequest validates call's Parameters.
func (f *FNF) startRequest(ctx context.Context, call interp.TaskCall) (StartRequest, error) {
	const bad = ErrorFNFInvalidArgument
	p, err := paramMap(call, bad, fnfParameterKeys)
	if err != nil {
		return StartRequest{}, err
	}
	arnText, err := stringParam(p, call.Action, "resourceArn", true, bad)
	if err != nil {
		return StartRequest{}, err
	}
	arn, err := ParseFlowARN(strings.TrimSpace(arnText))
	if err != nil {
		return StartRequest{}, failf(bad, "FNF:StartExecution Parameters.%v", err)
	}
	if id, _ := auth.FromContext(ctx); arn.Account != "" && arn.Account != id.AccountID {
		return StartRequest{}, failf(ErrorFNFAccessDenied, "resourceArn %s belongs to another account", arnText)
	}
	if f.opts.Region != "" && arn.Region != "" && arn.Region != f.opts.Region {
		return StartRequest{}, failf(bad, "FNF:StartExecution Parameters.resourceArn names region %s; this service runs flows of region %s only", arn.Region, f.opts.Region)
	}
	req := StartRequest{FlowName: arn.Flow}
	if req.ExecutionName, err = stringParam(p, call.Action, "executionName", false, bad); err != nil {
		return StartRequest{}, err
	}
	if req.ExecutionName != "" && !namePattern.MatchString(req.ExecutionName) {
		return StartRequest{}, failf(bad, "FNF:StartExecution Parameters.executionName %q breaks the naming rule ^[A-Za-z_][A-Za-z0-9_-]{0,127}$", req.ExecutionName)
	}
	switch in := p["input"].(type) {
	case nil:
	case map[string]any:
		b, err := value.Encode(in)
		if err != nil {
			return StartRequest{}, failf(bad, "FNF:StartExecution Parameters.input: %v", err)
		}
		if len(b) > maxChildInputBytes {
			return StartRequest{}, failf(errorPrefixFNF+"EntityTooLarge", "FNF:StartExecution Parameters.input is %d bytes; the limit is %d", len(b), maxChildInputBytes)
		}
		req.Input = string(b)
	default:
		return StartRequest{}, failf(bad, "FNF:StartExecution Parameters.input must be an object, got %s", value.Describe(in))
	}
	return req, nil
}

// Invoke starts the child execution call's Parameters describe, in the
// account of ctx, and returns {"FlowName", "ExecutionName", "RequestID"}
// without waiting for it (RequestComplete, and WaitForCustomCallback, where
// the flow passes its token in input). In WaitForSystemCallback mode it
// starts the child with CallbackTaskToken = call.TaskToken and returns
// interp.Submitted{}: the parent task waits until the child ends and
// reports it (its output, or its error). Errors (*interp.Error):
// FNF.InvalidArgument for bad Parameters, FNF.AccessDenied for another
// account's flow, FNF.EntityTooLarge for an input above 64 KiB, FNF.<Code>
// when the start is refused (FNF.FlowNotExists,
// FNF.ExecutionAlreadyExists, FNF.ActionNotSupported for an Express
// flow), FNF.InternalServerError for any other failure. When ctx ends first
// it returns ctx's cause.
func (f *FNF) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	req, err := f.startRequest(ctx, call)
	if err != nil {
		return nil, err
	}
	wait := call.Mode == flow.WaitForSystemCallback && call.TaskToken != ""
	if wait {
		req.CallbackTaskToken = call.TaskToken
	}
	name, err := f.starter.StartExecution(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctxFailure(ctx, "FNF:StartExecution "+req.FlowName)
		}
		var se *StartError
		if errors.As(err, &se) && se.Code != "" {
			return nil, failf(errorPrefixFNF+se.Code, "%s", se.Message)
		}
		return nil, failf(errorPrefixFNF+"InternalServerError", "start an execution of flow %s: %v", req.FlowName, err)
	}
	if wait {
		return interp.Submitted{}, nil
	}
	return map[string]any{"FlowName": req.FlowName, "ExecutionName": name, "RequestID": f.opts.NewRequestID()}, nil
}

// ParameterKeys returns the Parameters keys FNF:StartExecution accepts.
func (*FNF) ParameterKeys() []string { return slices.Clone(fnfParameterKeys) }
