package api_test

import (
	"encoding/json"
	"testing"
)

func TestHandler_Schedules(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	e.createFlow(t, "exp", "Express")
	r := e.call(t, "CreateSchedule", map[string]string{
		"FlowName": "std", "ScheduleName": "nightly", "CronExpression": "0 0 2 * * *", "Payload": `{"a":1}`, "Enable": "false", "Description": "d",
	})
	wantOK(t, r)
	if r.body["Enable"] != false || r.str("ScheduleName") != "nightly" || r.str("FlowName") != "std" || r.str("CronExpression") != "0 0 2 * * *" ||
		r.str("Payload") != `{"a":1}` || r.str("Description") != "d" || r.str("ScheduleId") == "" || r.str("CreatedTime") == "" || r.str("LastModifiedTime") == "" {
		t.Errorf("CreateSchedule = %s, want every field echoed, Enable a JSON false", r.raw)
	}
	r = e.call(t, "UpdateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "nightly", "Enable": "true"})
	wantOK(t, r)
	if r.body["Enable"] != true || r.str("CronExpression") != "0 0 2 * * *" {
		t.Errorf("UpdateSchedule(Enable true) = %s, want enabled with the cron kept", r.raw)
	}
	r = e.call(t, "DescribeSchedule", map[string]string{"FlowName": "std", "ScheduleName": "nightly"})
	wantOK(t, r)
	if r.body["Enable"] != true || r.str("Payload") != `{"a":1}` {
		t.Errorf("DescribeSchedule = %s, want the updated schedule", r.raw)
	}
	wantOK(t, e.call(t, "CreateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "often", "CronExpression": "@every 10s"}))
	r = e.call(t, "ListSchedules", map[string]string{"FlowName": "std", "Limit": "1"})
	wantOK(t, r)
	var page struct {
		Schedules []struct{ ScheduleName string }
		NextToken string
	}
	if err := json.Unmarshal([]byte(r.raw), &page); err != nil || len(page.Schedules) != 1 || page.Schedules[0].ScheduleName != "nightly" || page.NextToken != "often" {
		t.Errorf("ListSchedules(Limit 1) = %s, want nightly and NextToken often", r.raw)
	}
	wantOK(t, e.call(t, "DeleteSchedule", map[string]string{"FlowName": "std", "ScheduleName": "often"}))

	tests := []struct {
		name          string
		action        string
		params        map[string]string
		status        int
		code, message string
	}{
		{"unknown schedule", "DescribeSchedule", map[string]string{"FlowName": "std", "ScheduleName": "often"}, 404, "ScheduleNotExists", "Schedule often does not exist."},
		{"delete unknown", "DeleteSchedule", map[string]string{"FlowName": "std", "ScheduleName": "often"}, 404, "ScheduleNotExists", "Schedule often does not exist."},
		{"update unknown", "UpdateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "often", "Enable": "false"}, 404, "ScheduleNotExists", "Schedule often does not exist."},
		{"exists", "CreateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "nightly", "CronExpression": "@every 1m"}, 409, "ScheduleAlreadyExists", "Schedule nightly already exists."},
		{"unknown flow", "ListSchedules", map[string]string{"FlowName": "nope"}, 404, "FlowNotExists", "Flow  nope does not exist."},
		{"no cron", "CreateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "x"}, 400, "MissingRequiredParams", "The HTTP query 'CronExpression' must be specified."},
		{"no schedule name", "DescribeSchedule", map[string]string{"FlowName": "std"}, 400, "MissingRequiredParams", "The HTTP query 'ScheduleName' must be specified."},
		{"bad name", "CreateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "9x", "CronExpression": "@every 1m"}, 400, "InvalidArgument", "Parameter error. ScheduleName must match ^[A-Za-z_][A-Za-z0-9_-]{0,127}$."},
		{"bad cron", "CreateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "x", "CronExpression": "0 2 * * *"}, 400, "InvalidArgument",
			"Parameter error. CronExpression must be six cron fields (seconds first, UTC) or @every <duration> of whole seconds, at least 1s (expected exactly 6 fields, found 5: [0 2 * * *])."},
		{"bad enable", "CreateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "x", "CronExpression": "@every 1m", "Enable": "yes"}, 400, "InvalidArgument", "Parameter error. Enable must be true or false."},
		{"bad payload", "CreateSchedule", map[string]string{"FlowName": "std", "ScheduleName": "x", "CronExpression": "@every 1m", "Payload": "[1]"}, 400, "InvalidArgument", "Parameter error. Payload must be a JSON object."},
		{"express flow", "CreateSchedule", map[string]string{"FlowName": "exp", "ScheduleName": "x", "CronExpression": "@every 1m"}, 400, "InvalidArgument",
			"Parameter error. FlowName exp names an Express flow; a schedule starts Standard executions."},
		{"limit", "ListSchedules", map[string]string{"FlowName": "std", "Limit": "101"}, 400, "InvalidArgument", "Parameter error. Limit must be an integer from 1 to 100."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.call(t, tc.action, tc.params), tc.status, tc.code, tc.message)
		})
	}
}
