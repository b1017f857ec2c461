package platform

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"
)

// s.yaml is generated from template.yaml, so both deployments list the same functions with the same
// timeouts and permissions: each SAM function becomes one fc3 resource. Serverless Devs has no
// extends mechanism the fc3 schema accepts, so the 22 resources are written out by this generator
// and TestSYAML_Generated fails when the committed file differs. Regenerate with
//
//	go test ./shared/platform -run TestSYAML_Generated -update-s-yaml

var updateSYAML = flag.Bool("update-s-yaml", false, "rewrite s.yaml from template.yaml")

// fcFunction is one fc3 resource of s.yaml.
type fcFunction struct {
	Resource     string // lowerCamel resource key, e.g. startExecution
	FunctionName string // cloudflow-start-execution
	Operations   string // CLOUDFLOW_OPERATIONS; empty for the all-operations api function
	Description  string
	Timeout      int
	Role         string // vars key of the RAM role: roleRead, roleWrite or roleRun
	Runner       bool   // the runner: timer trigger for the sweep, async settings
}

// fcMaxRunnerTimeout caps the runner's timeout on Function Compute (the runner re-enqueues itself
// before its deadline, so a shorter invocation only means more of them).
const fcMaxRunnerTimeout = 600

// fcFunctions derives the s.yaml functions from template.yaml.
func fcFunctions(t *testing.T) []fcFunction {
	t.Helper()
	doc := loadYAML(t, "template.yaml")
	globalTimeout, _ := dig(doc, "Globals", "Function", "Timeout").(int)
	resources, _ := doc["Resources"].(map[string]any)
	var out []fcFunction
	for id, r := range resources {
		if dig(r, "Type") != "AWS::Serverless::Function" {
			continue
		}
		base := strings.TrimSuffix(id, "Function")
		ops, _ := dig(r, "Properties", "Environment", "Variables", "CLOUDFLOW_OPERATIONS").(string)
		f := fcFunction{
			Resource:     strings.ToLower(base[:1]) + base[1:],
			FunctionName: "cloudflow-" + kebab(base),
			Operations:   ops,
			Description:  "CloudFlow " + base,
			Timeout:      globalTimeout,
			Role:         "roleRead",
			Runner:       dig(r, "Properties", "Events", "Sweep") != nil,
		}
		if ops == "" {
			f.Description = "CloudFlow, every operation (the SDK endpoint)"
		}
		if to, ok := dig(r, "Properties", "Timeout").(int); ok {
			f.Timeout = to
		}
		if f.Runner {
			f.Timeout = min(f.Timeout, fcMaxRunnerTimeout)
		}
		for _, p := range toMaps(dig(r, "Properties", "Policies")) {
			switch {
			case p["LambdaInvokePolicy"] != nil:
				f.Role = "roleRun"
			case p["DynamoDBCrudPolicy"] != nil && f.Role == "roleRead":
				f.Role = "roleWrite"
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		// The SDK endpoint first, then the operations in template order of names.
		if (out[i].Operations == "") != (out[j].Operations == "") {
			return out[i].Operations == ""
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

// kebab turns StartExecution into start-execution.
func kebab(s string) string {
	return strings.ToLower(regexp.MustCompile(`([a-z])([A-Z])`).ReplaceAllString(s, "$1-$2"))
}

var sYAMLTemplate = template.Must(template.New("s.yaml").Parse(`# GENERATED from template.yaml by shared/platform/syaml_test.go; do not edit. Regenerate with
#   go test ./shared/platform -run TestSYAML_Generated -update-s-yaml
#
# Serverless Devs (s CLI v3, component fc3): Function Compute 3.0 custom runtime, one bootstrap
# (make fc-build: dist/fc-amd64/bootstrap, built once) for every function.
#   cloudflow-api serves every operation behind one HTTP trigger: give its URL to the SDK.
#   The per-operation functions run the same bootstrap limited to one Action (CLOUDFLOW_OPERATIONS).
# Executions live in one Tablestore table (created by the functions at start-up when missing);
# Standard executions run in asynchronous invocations of cloudflow-start-execution (RUNNER=fc).
# Before deploying (README "Deploying"): create the Tablestore instance, a KMS Secrets Manager
# secret holding the access keys (id:secret[@account][,...]) and the three RAM roles below, then
#   export CLOUDFLOW_ACCESS_KEYS_SECRET=acs:kms:<region>:<account>:secret/<name>
# The HTTP triggers are anonymous: CloudFlow signatures are the only check.
edition: 3.0.0
name: cloudflow
access: default

vars:
  region: cn-hangzhou
  # Least privilege: read-only functions, writers, and writers that also invoke the runner.
  roleRead: acs:ram::${config('AccountID')}:role/cloudflow-read     # OTS read, KMS secret
  roleWrite: acs:ram::${config('AccountID')}:role/cloudflow-write   # OTS read/write, KMS secret
  roleRun: acs:ram::${config('AccountID')}:role/cloudflow-run       # + fc:InvokeFunction on the runner
  store: tablestore
  otsInstance: cloudflow
  otsEndpoint: https://cloudflow.cn-hangzhou.ots.aliyuncs.com
  tableName: cloudflow
  accessKeysSecret: ${env('CLOUDFLOW_ACCESS_KEYS_SECRET')}   # a KMS secret ARN, never the keys
  code: ./dist/fc-amd64

resources:
{{range .}}
  {{.Resource}}:
    component: fc3
    actions:
      pre-deploy:
        - run: make fc-build
          path: ./
    props:
      region: ${vars.region}
      functionName: {{.FunctionName}}
      description: {{.Description}}
      runtime: custom.debian12
      code: ${vars.code}
      handler: bootstrap          # required by the schema, ignored by custom runtimes
      customRuntimeConfig:
        command: [./bootstrap]
        port: 9000
      memorySize: 512
      timeout: {{.Timeout}}
      instanceConcurrency: 10
      logConfig: auto
      role: ${vars.{{.Role}}}
      environmentVariables:
        STORE: ${vars.store}
        TABLE_NAME: ${vars.tableName}
        OTS_ENDPOINT: ${vars.otsEndpoint}
        OTS_INSTANCE: ${vars.otsInstance}
        CLOUDFLOW_ACCESS_KEYS_SECRET: ${vars.accessKeysSecret}
        FUNCTION_TIMEOUT_S: "{{.Timeout}}"   # keep equal to timeout: FC sends no deadline
        RUNNER: fc
        RUNNER_FUNCTION: cloudflow-start-execution
{{- if .Operations}}
        CLOUDFLOW_OPERATIONS: {{.Operations}}
{{- end}}
{{- if .Runner}}
      asyncInvokeConfig:
        maxAsyncRetryAttempts: 0   # the sweep recovers a lost run event
        maxAsyncEventAgeInSeconds: 3600
{{- end}}
      triggers:
        - triggerName: http
          triggerType: http
          qualifier: LATEST
          triggerConfig:
            authType: anonymous   # requests are checked by CloudFlow signatures
            disableURLInternet: false
            methods: [GET, POST]
{{- if .Runner}}
        - triggerName: sweep
          triggerType: timer
          qualifier: LATEST
          triggerConfig:
            cronExpression: '0 */1 * * * *'   # six fields, seconds first, UTC
            enable: true
            payload: '{"op":"sweep"}'
{{- end}}
{{end}}`))

func TestSYAML_Generated(t *testing.T) {
	fns := fcFunctions(t)
	if len(fns) != len(functionOps(t))+1 {
		t.Fatalf("template.yaml gives %d functions, want one per functions/<op> plus the api function (%d)", len(fns), len(functionOps(t))+1)
	}
	var buf bytes.Buffer
	if err := sYAMLTemplate.Execute(&buf, fns); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(repoRoot, "s.yaml")
	if *updateSYAML {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("s.yaml differs from what template.yaml generates; run: go test ./shared/platform -run TestSYAML_Generated -update-s-yaml")
	}
}
