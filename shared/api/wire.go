package api

import (
	"encoding/json"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// TimeFormat is the layout of every timestamp the API emits (reference 2.6).
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime formats t in TimeFormat (UTC); the zero time is "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

type response interface{ setRequestID(id string) }

// Envelope carries the RequestId every response has.
type Envelope struct {
	RequestID string `json:"RequestId"`
}

func (e *Envelope) setRequestID(id string) { e.RequestID = id }

// Flow is a flow on the wire (CreateFlow, DescribeFlow, UpdateFlow,
// ListFlows).
type Flow struct {
	Name                    string          `json:"Name"`
	Definition              string          `json:"Definition"`
	Description             string          `json:"Description"`
	Type                    string          `json:"Type"`
	RoleArn                 string          `json:"RoleArn,omitempty"`
	ID                      string          `json:"Id"`
	CreatedTime             string          `json:"CreatedTime"`
	LastModifiedTime        string          `json:"LastModifiedTime"`
	ExecutionMode           string          `json:"ExecutionMode"`
	Environment             json.RawMessage `json:"Environment,omitempty"`
	ResourceGroupID         string          `json:"ResourceGroupId,omitempty"`
	ExternalStorageLocation string          `json:"ExternalStorageLocation,omitempty"`
}

// FlowResponse answers CreateFlow, DescribeFlow and UpdateFlow.
type FlowResponse struct {
	Envelope
	Flow
}

// ListFlowsResponse answers ListFlows.
type ListFlowsResponse struct {
	Envelope
	Flows     []Flow `json:"Flows"`
	NextToken string `json:"NextToken,omitempty"`
}

// Execution is a Standard execution on the wire.
type Execution struct {
	Name           string          `json:"Name"`
	FlowName       string          `json:"FlowName"`
	FlowDefinition string          `json:"FlowDefinition,omitempty"`
	Input          string          `json:"Input,omitempty"`
	Output         string          `json:"Output,omitempty"`
	Status         string          `json:"Status"`
	StartedTime    string          `json:"StartedTime"`
	StoppedTime    string          `json:"StoppedTime,omitempty"`
	Environment    json.RawMessage `json:"Environment,omitempty"`
	RoleArn        string          `json:"RoleArn,omitempty"`
}

// ExecutionResponse answers StartExecution, DescribeExecution and
// StopExecution.
type ExecutionResponse struct {
	Envelope
	Execution
}

// ListExecutionsResponse answers ListExecutions.
type ListExecutionsResponse struct {
	Envelope
	Executions []Execution `json:"Executions"`
	NextToken  string      `json:"NextToken,omitempty"`
}

// SyncExecutionResponse answers StartSyncExecution.
type SyncExecutionResponse struct {
	Envelope
	Name         string          `json:"Name"`
	FlowName     string          `json:"FlowName"`
	Status       string          `json:"Status"`
	Output       string          `json:"Output,omitempty"`
	ErrorCode    string          `json:"ErrorCode,omitempty"`
	ErrorMessage string          `json:"ErrorMessage,omitempty"`
	StartedTime  string          `json:"StartedTime"`
	StoppedTime  string          `json:"StoppedTime,omitempty"`
	Environment  json.RawMessage `json:"Environment,omitempty"`
}

// Event is one history event on the wire (reference 10.3); EventDetail is
// a JSON object as a string.
type Event struct {
	EventID         int64  `json:"EventId"`
	ScheduleEventID int64  `json:"ScheduleEventId"`
	Type            string `json:"Type"`
	StepName        string `json:"StepName,omitempty"` // omitted for execution events
	Time            string `json:"Time"`
	EventDetail     string `json:"EventDetail"`
}

// HistoryResponse answers GetExecutionHistory.
type HistoryResponse struct {
	Envelope
	Events    []Event `json:"Events"`
	NextToken string  `json:"NextToken,omitempty"`
}

// FlowVersion is a published flow version on the wire (reference 10.5).
type FlowVersion struct {
	Version     string `json:"Version"`
	Description string `json:"Description"`
	CreatedTime string `json:"CreatedTime"`
}

// FlowVersionResponse answers PublishFlowVersion.
type FlowVersionResponse struct {
	Envelope
	FlowName string `json:"FlowName"`
	FlowVersion
}

// ListFlowVersionsResponse answers ListFlowVersions.
type ListFlowVersionsResponse struct {
	Envelope
	FlowVersions []FlowVersion `json:"FlowVersions"`
	NextToken    string        `json:"NextToken,omitempty"`
}

// Route is one entry of an alias's RoutingConfigurations.
type Route struct {
	Version string `json:"Version"`
	Weight  int64  `json:"Weight"`
}

// Alias is a flow alias on the wire (reference 10.5); LastModifiedTime is
// a project addition.
type Alias struct {
	Name                  string  `json:"Name"`
	Description           string  `json:"Description"`
	RoutingConfigurations []Route `json:"RoutingConfigurations"`
	CreatedTime           string  `json:"CreatedTime"`
	LastModifiedTime      string  `json:"LastModifiedTime"`
}

// CreateFlowAliasResponse answers CreateFlowAlias: the alias's fields at
// the top level, with FlowName.
type CreateFlowAliasResponse struct {
	Envelope
	FlowName string `json:"FlowName"`
	Alias
}

// AliasResponse answers UpdateFlowAlias and DescribeFlowAlias: the alias
// nested under Alias.
type AliasResponse struct {
	Envelope
	Alias Alias `json:"Alias"`
}

// ListFlowAliasesResponse answers ListFlowAliases.
type ListFlowAliasesResponse struct {
	Envelope
	Aliases   []Alias `json:"Aliases"`
	NextToken string  `json:"NextToken,omitempty"`
}

// EmptyResponse answers operations that return only RequestId.
type EmptyResponse struct {
	Envelope
}

func flowOut(f *execution.Flow) Flow {
	return Flow{
		Name: f.Name, Definition: f.Definition, Description: f.Description, Type: f.Type,
		RoleArn: f.RoleArn, ID: f.ID, CreatedTime: FormatTime(f.CreatedTime),
		LastModifiedTime: FormatTime(f.LastModifiedTime), ExecutionMode: string(f.ExecutionMode),
		Environment: f.Environment, ResourceGroupID: f.ResourceGroupID,
		ExternalStorageLocation: f.ExternalStorageLocation,
	}
}

func executionOut(e *execution.Execution) Execution {
	out := Execution{
		Name: e.Name, FlowName: e.FlowName, FlowDefinition: e.FlowDefinition, Input: e.Input,
		Status: string(e.Status), StartedTime: FormatTime(e.StartedTime), StoppedTime: FormatTime(e.StoppedTime),
		Environment: e.Environment,
	}
	if e.Status == execution.Succeeded {
		out.Output = e.Output
	}
	return out
}
