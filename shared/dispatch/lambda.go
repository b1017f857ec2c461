//go:build !noaws

package dispatch

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// lambdaInvoker is the part of *lambda.Client that Lambda needs.
type lambdaInvoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Lambda enqueues executions by invoking an AWS Lambda runner function
// asynchronously (InvocationType Event) with RunEvent as the payload. It is
// safe for concurrent use.
type Lambda struct {
	client   lambdaInvoker
	function string
}

// NewLambda returns a Lambda that invokes function (a name, ARN or partial
// ARN, as the RUNNER_FUNCTION variable gives it) through client, usually a
// *lambda.Client.
func NewLambda(client lambdaInvoker, function string) *Lambda {
	return &Lambda{client: client, function: function}
}

// Enqueue sends the run event for ref. It returns the SDK's error wrapped
// with the function name when the call fails (after the SDK's own retries),
// and a *StatusError (ErrNotAccepted) when Lambda answers anything but 202.
func (l *Lambda) Enqueue(ctx context.Context, ref execution.Ref) error {
	out, err := l.client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(l.function),
		InvocationType: types.InvocationTypeEvent,
		Payload:        RunEvent(ref),
	})
	if err != nil {
		return fmt.Errorf("invoke %s asynchronously: %w", l.function, err)
	}
	if out.StatusCode != http.StatusAccepted {
		return &StatusError{Function: l.function, Status: int(out.StatusCode)}
	}
	return nil
}
