package app

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// errNotReady is returned by a childStarter used before New bound it.
var errNotReady = errors.New("execution service not ready")

// childStarter starts FNF:StartExecution children through the execution
// service. The service's engine runs the task registry that holds the
// starter, so the service is bound after both exist (set).
type childStarter struct {
	svc atomic.Pointer[execution.Service]
}

func (c *childStarter) set(s *execution.Service) { c.svc.Store(s) }

// StartExecution starts req in the account of ctx. A refusal of the use
// case becomes an *action.StartError with the API's code and message (the
// same ones a StartExecution request would get).
func (c *childStarter) StartExecution(ctx context.Context, req action.StartRequest) (string, error) {
	svc := c.svc.Load()
	if svc == nil {
		return "", errNotReady
	}
	e, err := svc.StartExecution(ctx, execution.StartInput{
		FlowName: req.FlowName, ExecutionName: req.ExecutionName, Input: req.Input,
		CallbackFnFTaskToken: req.CallbackTaskToken,
	})
	if err != nil {
		if ctx.Err() != nil {
			return "", err
		}
		ae := api.ErrorFor(err)
		return "", &action.StartError{Code: ae.Code, Message: ae.Message}
	}
	return e.Name, nil
}

// integrations returns the native task integrations (reference 7.3 to
// 7.5) configured from cfg; FNF:StartExecution starts children through
// starter.
func integrations(cfg Config, starter action.Starter) map[string]interp.TaskRunner {
	runners := map[string]interp.TaskRunner{
		action.ActionHTTPRequest:       action.NewHTTP(action.HTTPOptions{AllowHosts: cfg.HTTPAllowHosts, PublicOnly: cfg.HTTPPublicOnly(), AllowRanges: cfg.HTTPAllowRanges}),
		action.ActionFNFStartExecution: action.NewFNF(starter, action.FNFOptions{Region: cfg.Region}),
	}
	addFCIntegration(cfg, runners)
	return runners
}
