# Builds the function binaries.
#   sam build                      runs build-<LogicalId> with ARTIFACTS_DIR set (template.yaml)
#   make fc-build                  writes dist/<op>/bootstrap for Serverless Devs (s.yaml)
#   make quickstart                replays events/local/quickstart.json on a fresh temporary store
#   make local                     serves every operation on 127.0.0.1:8080 with data in .cloudflow-data
# Every binary is the same program shape: one bootstrap per operation, static (CGO_ENABLED=0).

GO          ?= go
GOARCH      ?= arm64
FC_GOARCH   ?= amd64
BUILD_FLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w"
ARTIFACTS_DIR ?= .aws-sam/manual

.PHONY: fc-build quickstart local test build-CreateFlowFunction fc-build-createflow build-DescribeFlowFunction fc-build-describeflow build-UpdateFlowFunction fc-build-updateflow build-DeleteFlowFunction fc-build-deleteflow build-ListFlowsFunction fc-build-listflows build-StartExecutionFunction fc-build-startexecution build-StartSyncExecutionFunction fc-build-startsyncexecution build-DescribeExecutionFunction fc-build-describeexecution build-StopExecutionFunction fc-build-stopexecution build-ListExecutionsFunction fc-build-listexecutions build-GetExecutionHistoryFunction fc-build-getexecutionhistory build-PublishFlowVersionFunction fc-build-publishflowversion build-ListFlowVersionsFunction fc-build-listflowversions build-DeleteFlowVersionFunction fc-build-deleteflowversion build-CreateFlowAliasFunction fc-build-createflowalias build-UpdateFlowAliasFunction fc-build-updateflowalias build-DescribeFlowAliasFunction fc-build-describeflowalias build-ListFlowAliasesFunction fc-build-listflowaliases build-DeleteFlowAliasFunction fc-build-deleteflowalias build-ReportTaskSucceededFunction fc-build-reporttasksucceeded build-ReportTaskFailedFunction fc-build-reporttaskfailed

# --- AWS SAM (BuildMethod: makefile): one target per function LogicalId.
build-CreateFlowFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/createflow

build-DescribeFlowFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/describeflow

build-UpdateFlowFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/updateflow

build-DeleteFlowFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/deleteflow

build-ListFlowsFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/listflows

build-StartExecutionFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/startexecution

build-StartSyncExecutionFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/startsyncexecution

build-DescribeExecutionFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/describeexecution

build-StopExecutionFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/stopexecution

build-ListExecutionsFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/listexecutions

build-GetExecutionHistoryFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/getexecutionhistory

build-ReportTaskFailedFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/reporttaskfailed

build-ReportTaskSucceededFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/reporttasksucceeded

build-PublishFlowVersionFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/publishflowversion

build-ListFlowVersionsFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/listflowversions

build-DeleteFlowVersionFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/deleteflowversion

build-CreateFlowAliasFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/createflowalias

build-UpdateFlowAliasFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/updateflowalias

build-DescribeFlowAliasFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/describeflowalias

build-ListFlowAliasesFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/listflowaliases

build-DeleteFlowAliasFunction:
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/deleteflowalias

# --- Serverless Devs (s.yaml pre-deploy): dist/<op>/bootstrap for the FC custom runtime.
fc-build: fc-build-createflow fc-build-describeflow fc-build-updateflow fc-build-deleteflow fc-build-listflows fc-build-startexecution fc-build-startsyncexecution fc-build-describeexecution fc-build-stopexecution fc-build-listexecutions fc-build-getexecutionhistory fc-build-publishflowversion fc-build-listflowversions fc-build-deleteflowversion fc-build-createflowalias fc-build-updateflowalias fc-build-describeflowalias fc-build-listflowaliases fc-build-deleteflowalias fc-build-reporttasksucceeded fc-build-reporttaskfailed

fc-build-createflow:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/createflow/bootstrap ./functions/createflow

fc-build-describeflow:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/describeflow/bootstrap ./functions/describeflow

fc-build-updateflow:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/updateflow/bootstrap ./functions/updateflow

fc-build-deleteflow:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/deleteflow/bootstrap ./functions/deleteflow

fc-build-listflows:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/listflows/bootstrap ./functions/listflows

fc-build-startexecution:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/startexecution/bootstrap ./functions/startexecution

fc-build-startsyncexecution:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/startsyncexecution/bootstrap ./functions/startsyncexecution

fc-build-describeexecution:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/describeexecution/bootstrap ./functions/describeexecution

fc-build-stopexecution:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/stopexecution/bootstrap ./functions/stopexecution

fc-build-listexecutions:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/listexecutions/bootstrap ./functions/listexecutions

fc-build-getexecutionhistory:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/getexecutionhistory/bootstrap ./functions/getexecutionhistory

fc-build-reporttaskfailed:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/reporttaskfailed/bootstrap ./functions/reporttaskfailed

fc-build-reporttasksucceeded:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/reporttasksucceeded/bootstrap ./functions/reporttasksucceeded

fc-build-publishflowversion:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/publishflowversion/bootstrap ./functions/publishflowversion

fc-build-listflowversions:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/listflowversions/bootstrap ./functions/listflowversions

fc-build-deleteflowversion:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/deleteflowversion/bootstrap ./functions/deleteflowversion

fc-build-createflowalias:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/createflowalias/bootstrap ./functions/createflowalias

fc-build-updateflowalias:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/updateflowalias/bootstrap ./functions/updateflowalias

fc-build-describeflowalias:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/describeflowalias/bootstrap ./functions/describeflowalias

fc-build-listflowaliases:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/listflowaliases/bootstrap ./functions/listflowaliases

fc-build-deleteflowalias:
	GOOS=linux GOARCH=$(FC_GOARCH) CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o dist/deleteflowalias/bootstrap ./functions/deleteflowalias

# --- Local use.
quickstart:
	$(GO) run ./functions/local -event events/local/quickstart.json

local:
	$(GO) run ./functions/local -addr 127.0.0.1:8080 -data .cloudflow-data

test:
	$(GO) test -race ./...
