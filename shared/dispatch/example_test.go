package dispatch_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// fakeLambda answers every Invoke with 202, as Lambda does for an Event
// invocation, and prints the payload.
type fakeLambda struct{}

func (fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	fmt.Printf("%s %s %s\n", *in.FunctionName, in.InvocationType, in.Payload)
	return &lambda.InvokeOutput{StatusCode: 202}, nil
}

func ExampleLambda_Enqueue() {
	// In a function: dispatch.NewLambda(lambda.NewFromConfig(awsCfg), os.Getenv("RUNNER_FUNCTION")).
	l := dispatch.NewLambda(fakeLambda{}, "cloudflow-start-execution")
	err := l.Enqueue(context.Background(), execution.Ref{Account: "1234", FlowID: "f-1", Name: "order-42"})
	fmt.Println(err)

	// The runner decodes the event it receives.
	ev, err := dispatch.Decode([]byte(`{"op":"run","account":"1234","flowId":"f-1","name":"order-42"}`))
	fmt.Println(ev.Ref(), err)
	// Output:
	// cloudflow-start-execution Event {"op":"run","account":"1234","flowId":"f-1","name":"order-42"}
	// <nil>
	// {1234 f-1 order-42} <nil>
}
