package api_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

func TestWire_JSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		into any
	}{
		{"flow", `{"RequestId":"R","Name":"orders","Definition":"Type: StateMachine","Description":"","Type":"FDL","RoleArn":"acs:ram::1:role/r","Id":"9b1c","CreatedTime":"2019-01-01T01:01:01.001Z","LastModifiedTime":"2019-01-01T01:01:01.002Z","ExecutionMode":"Express","Environment":{"Variables":[{"Name":"k","Value":"v"}]},"ResourceGroupId":"rg","ExternalStorageLocation":"oss://b"}`, &api.FlowResponse{}},
		{"flow minimal", `{"RequestId":"R","Name":"f","Definition":"d","Description":"","Type":"FDL","Id":"1","CreatedTime":"t","LastModifiedTime":"t","ExecutionMode":"Standard"}`, &api.FlowResponse{}},
		{"list flows", `{"RequestId":"R","Flows":[{"Name":"f","Definition":"d","Description":"x","Type":"FDL","Id":"1","CreatedTime":"t","LastModifiedTime":"t","ExecutionMode":"Standard"}],"NextToken":"g"}`, &api.ListFlowsResponse{}},
		{"execution running", `{"RequestId":"R","Name":"e","FlowName":"f","FlowDefinition":"d","Input":"{\"a\":1}","Status":"Running","StartedTime":"2019-01-01T01:01:01.001Z"}`, &api.ExecutionResponse{}},
		{"execution done", `{"RequestId":"R","Name":"e","FlowName":"f","FlowDefinition":"d","Input":"{}","Output":"{\"b\":2}","Status":"Succeeded","StartedTime":"s","StoppedTime":"t","Environment":{"Variables":[]},"RoleArn":"r"}`, &api.ExecutionResponse{}},
		{"list executions", `{"RequestId":"R","Executions":[{"Name":"e","FlowName":"f","Status":"Failed","StartedTime":"s","StoppedTime":"t"}]}`, &api.ListExecutionsResponse{}},
		{"sync", `{"RequestId":"R","Name":"e:u","FlowName":"f","Status":"Failed","ErrorCode":"E","ErrorMessage":"m","StartedTime":"s","StoppedTime":"t","Environment":{"Variables":[]}}`, &api.SyncExecutionResponse{}},
		{"history page", `{"RequestId":"R","Events":[{"EventId":1,"ScheduleEventId":0,"Type":"ExecutionStarted","Time":"2019-01-01T01:01:01.001Z","EventDetail":"{\"Input\":{}}"},{"EventId":2,"ScheduleEventId":0,"Type":"StepEntered","StepName":"A","Time":"t","EventDetail":"{}"}],"NextToken":"3"}`, &api.HistoryResponse{}},
		{"history last page", `{"RequestId":"R","Events":[]}`, &api.HistoryResponse{}},
		{"empty", `{"RequestId":"R"}`, &api.EmptyResponse{}},
		{"publish version", `{"RequestId":"R","FlowName":"orders","Version":"3","Description":"third","CreatedTime":"2019-01-01T01:01:01.001Z"}`, &api.FlowVersionResponse{}},
		{"list versions", `{"RequestId":"R","FlowVersions":[{"Version":"1","Description":"","CreatedTime":"t"},{"Version":"2","Description":"d","CreatedTime":"t"}],"NextToken":"3"}`, &api.ListFlowVersionsResponse{}},
		{"list versions last page", `{"RequestId":"R","FlowVersions":[]}`, &api.ListFlowVersionsResponse{}},
		{"create alias", `{"RequestId":"R","FlowName":"orders","Name":"live","Description":"prod","RoutingConfigurations":[{"Version":"1","Weight":30},{"Version":"2","Weight":70}],"CreatedTime":"s","LastModifiedTime":"t"}`, &api.CreateFlowAliasResponse{}},
		{"alias", `{"RequestId":"R","Alias":{"Name":"live","Description":"","RoutingConfigurations":[{"Version":"1","Weight":0}],"CreatedTime":"s","LastModifiedTime":"t"}}`, &api.AliasResponse{}},
		{"list aliases", `{"RequestId":"R","Aliases":[{"Name":"a","Description":"x","RoutingConfigurations":[{"Version":"1","Weight":1}],"CreatedTime":"s","LastModifiedTime":"t"}],"NextToken":"b"}`, &api.ListFlowAliasesResponse{}},
		{"regions", `{"RequestId":"R","Regions":{"Region":[{"RegionId":"cn-hangzhou","RegionEndpoint":"127.0.0.1:8080","LocalName":"cn-hangzhou"}]}}`, &api.RegionsResponse{}},
		{"schedule", `{"RequestId":"R","ScheduleName":"nightly","ScheduleId":"u","FlowName":"f","CronExpression":"0 0 2 * * *","Payload":"{}","Enable":true,"Description":"","CreatedTime":"s","LastModifiedTime":"t"}`, &api.ScheduleResponse{}},
		{"list schedules", `{"RequestId":"R","Schedules":[{"ScheduleName":"a","ScheduleId":"u","FlowName":"f","CronExpression":"@every 1m","Payload":"","Enable":false,"Description":"d","CreatedTime":"s","LastModifiedTime":"t"}],"NextToken":"b"}`, &api.ListSchedulesResponse{}},
		{"map run running", `{"RequestId":"R","MapRunName":"Each-u","ExecutionName":"e","Status":"Running","Concurrency":4,"ItemCounts":{"Total":10,"Succeed":3,"Failed":0,"Running":4,"Pending":3,"Aborted":0},"ToleratedFailedCount":0,"ToleratedFailedPercentage":0,"StartedTime":"s"}`, &api.MapRunResponse{}},
		{"map run done", `{"RequestId":"R","MapRunName":"Each-u","ExecutionName":"e","Status":"Failed","Concurrency":1,"ItemCounts":{"Total":3,"Succeed":1,"Failed":1,"Running":0,"Pending":0,"Aborted":1},"ToleratedFailedCount":2,"ToleratedFailedPercentage":12.5,"StartedTime":"s","StoppedTime":"t"}`, &api.MapRunResponse{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := json.Unmarshal([]byte(tc.in), tc.into); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(tc.into)
			if err != nil {
				t.Fatal(err)
			}
			assert.JSONEq(t, tc.in, string(out))
		})
	}
}
