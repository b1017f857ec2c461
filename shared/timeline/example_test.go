package timeline_test

import (
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/timeline"
)

func ExampleBuild() {
	f, _ := flow.Parse([]byte("Type: StateMachine\nSpecVersion: v1\nName: ex\nStartAt: Charge\nStates:\n"+
		"  - Name: Charge\n    Type: Task\n    Action: HTTP:Request\n    Catch:\n      - Errors: [FnF.ALL]\n        Next: Refund\n    Next: Ship\n"+
		"  - Name: Ship\n    Type: Pass\n    End: true\n  - Name: Refund\n    Type: Pass\n    End: true\n"), flow.ParseOptions{})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tl := timeline.Build(f, []timeline.Event{
		{ID: 1, Type: "ExecutionStarted", Time: at, Detail: `{"Input":{}}`},
		{ID: 2, Type: "StepEntered", StepName: "Charge", Time: at},
		{ID: 3, ScheduleID: 2, Type: "StepStarted", StepName: "Charge", Time: at},
		{ID: 4, ScheduleID: 2, Type: "StepFailed", StepName: "Charge", Time: at.Add(time.Second), Detail: `{"Error":"Card.Declined","Cause":"expired"}`},
		{ID: 5, ScheduleID: 2, Type: "StepExited", StepName: "Charge", Time: at.Add(time.Second), Detail: `{"Error":"Card.Declined","Cause":"expired"}`},
		{ID: 6, Type: "StepEntered", StepName: "Refund", Time: at.Add(time.Second)},
	})
	for _, path := range []string{"Charge", "Ship", "Refund"} {
		fmt.Println(path, tl.Outcomes[path])
	}
	// Output:
	// Charge caught
	// Ship notreached
	// Refund running
}
