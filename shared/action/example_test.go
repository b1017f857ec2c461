package action_test

import (
	"context"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

func ExampleParseMock() {
	m, err := action.ParseMock([]byte(`
States:
  Charge:
    - {Error: FC.ResourceThrottled, Cause: busy}
    - Return: {Body: {receiptId: r-1}}
`), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	call := interp.TaskCall{Execution: "e1", State: "Charge", Action: "FC:InvokeFunction"}
	for i := 0; i < 3; i++ {
		out, err := m.Invoke(context.Background(), call)
		fmt.Println(out, err)
	}
	// Output:
	// <nil> FC.ResourceThrottled: busy
	// map[Body:map[receiptId:r-1]] <nil>
	// map[Body:map[receiptId:r-1]] <nil>
}

func ExampleParseMock_error() {
	_, err := action.ParseMock([]byte("States:\n  Charge: {Return: 1, Retrun: 2}\n"), nil)
	fmt.Println(err)
	// Output:
	// States.Charge.Retrun (line 2, column 23): unknown key; want Return, Error, Cause or Delay
}
