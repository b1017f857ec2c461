# Builds the function bootstraps: one per cloud, each built once and shared by every function.
#   make lambda-build              dist/lambda-$(GOARCH)/bootstrap (AWS SDKs only: -tags noalibaba)
#   make fc-build                  dist/fc-$(FC_GOARCH)/bootstrap (Alibaba SDKs only: -tags noaws)
#   sam build                      runs build-<LogicalId> (pattern rule build-%Function) with
#                                  ARTIFACTS_DIR set: copies the Lambda bootstrap (template.yaml)
#   make quickstart                replays events/local/quickstart.json on a fresh temporary store
#   make local                     serves every operation on 127.0.0.1:8080 with data in .cloudflow-data
# Both bootstraps are ./functions/api (every operation; CLOUDFLOW_OPERATIONS limits a function to
# some), static (CGO_ENABLED=0) and stripped. Each still detects its host at run time; the tags only
# leave out the other cloud's stores, runner and secret store.

GO          ?= go
GOARCH      ?= arm64
FC_GOARCH   ?= amd64
LAMBDA_TAGS := lambda.norpc,noalibaba
FC_TAGS     := lambda.norpc,noaws
LDFLAGS     := -s -w
ARTIFACTS_DIR ?= .aws-sam/manual

LAMBDA_BOOTSTRAP := dist/lambda-$(GOARCH)/bootstrap
FC_BOOTSTRAP     := dist/fc-$(FC_GOARCH)/bootstrap
SOURCES          := go.mod go.sum $(shell find functions shared -name '*.go' ! -name '*_test.go')

.PHONY: lambda-build fc-build quickstart local test

lambda-build: $(LAMBDA_BOOTSTRAP)
fc-build: $(FC_BOOTSTRAP)

# One pattern for both clouds: dist/<cloud>-<arch>/bootstrap.
dist/lambda-%/bootstrap: $(SOURCES)
	GOOS=linux GOARCH=$* CGO_ENABLED=0 $(GO) build -tags $(LAMBDA_TAGS) -trimpath -ldflags "$(LDFLAGS)" -o $@ ./functions/api

dist/fc-%/bootstrap: $(SOURCES)
	GOOS=linux GOARCH=$* CGO_ENABLED=0 $(GO) build -tags $(FC_TAGS) -trimpath -ldflags "$(LDFLAGS)" -o $@ ./functions/api

# AWS SAM (BuildMethod: makefile) calls build-<LogicalId> for every function.
build-%Function: $(LAMBDA_BOOTSTRAP)
	mkdir -p $(ARTIFACTS_DIR)
	cp $(LAMBDA_BOOTSTRAP) $(ARTIFACTS_DIR)/bootstrap

# --- Local use.
quickstart:
	$(GO) run ./functions/local -event events/local/quickstart.json

local:
	$(GO) run ./functions/local -addr 127.0.0.1:8080 -data .cloudflow-data

test:
	$(GO) test -race ./...
