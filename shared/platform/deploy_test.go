package platform

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// The SAM and Serverless Devs CLIs do not run in CI, so these tests hold template.yaml, s.yaml and
// the Makefile to the conventions of platforms.md sections 6 and 7, and to functions/. (cfn-lint
// and the fc3 props schema check run in .ci/run.)

var repoRoot = filepath.Join("..", "..")

// allInOne names the functions/ folders that serve every operation rather than one: the local
// development server and the deployed SDK endpoint.
var allInOne = map[string]bool{"local": true, "api": true}

// functionOps lists the functions/<op> folders that serve one operation.
func functionOps(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(functionsDir)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, e := range entries {
		if e.IsDir() && !allInOne[e.Name()] {
			ops = append(ops, e.Name())
		}
	}
	if len(ops) == 0 {
		t.Fatal("no functions/<op> folders")
	}
	return ops
}

// loadYAML decodes a repository YAML file (CloudFormation short tags decode as their value).
func loadYAML(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return doc
}

// dig walks nested maps by key; a missing step yields nil.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// makefile holds the Makefile's rules (target → recipe lines) and simple variables.
type makefile struct {
	recipes map[string][]string
	vars    map[string]string
}

// readMakefile parses the Makefile's rules and its := / ?= variables.
func readMakefile(t *testing.T) makefile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	mk := makefile{recipes: map[string][]string{}, vars: map[string]string{}}
	var cur string
	rule := regexp.MustCompile(`^([A-Za-z0-9_.%/$()-]+):`)
	assign := regexp.MustCompile(`^([A-Z_]+)\s*[:?]?=\s*(.*)$`)
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "\t") && cur != "":
			mk.recipes[cur] = append(mk.recipes[cur], strings.TrimSpace(line))
		case assign.MatchString(line):
			m := assign.FindStringSubmatch(line)
			mk.vars[m[1]] = strings.TrimSpace(strings.SplitN(m[2], "#", 2)[0])
			cur = ""
		case rule.MatchString(line):
			cur = rule.FindStringSubmatch(line)[1]
			if _, dup := mk.recipes[cur]; dup {
				t.Errorf("Makefile defines %s twice", cur)
			}
			mk.recipes[cur] = nil
		default:
			cur = ""
		}
	}
	return mk
}

// checkBootstrapRule checks that the pattern rule target builds ./functions/api once, static and
// stripped, with the build tags in variable tagsVar, which must leave out drop.
func checkBootstrapRule(t *testing.T, mk makefile, target, tagsVar, drop string) {
	t.Helper()
	recipe := mk.recipes[target]
	if len(recipe) != 1 {
		t.Fatalf("Makefile %s = %q, want one go build line", target, recipe)
	}
	for _, want := range []string{"GOOS=linux", "GOARCH=$*", "CGO_ENABLED=0", "-tags $(" + tagsVar + ")", "-trimpath", `-ldflags "$(LDFLAGS)"`, "-o $@ ./functions/api"} {
		if !strings.Contains(recipe[0], want) {
			t.Errorf("Makefile %s recipe %q lacks %s", target, recipe[0], want)
		}
	}
	if tags := strings.Split(mk.vars[tagsVar], ","); !slices.Contains(tags, drop) || !slices.Contains(tags, "lambda.norpc") {
		t.Errorf("Makefile %s = %q, want lambda.norpc and %s", tagsVar, mk.vars[tagsVar], drop)
	}
	if mk.vars["LDFLAGS"] != "-s -w" {
		t.Errorf("Makefile LDFLAGS = %q, want -s -w (stripped)", mk.vars["LDFLAGS"])
	}
}

// actionOf returns the Action functions/<op> serves, from its main.go.
func opAction(t *testing.T, op string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(functionsDir, op, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Operations: \[\]string\{"([A-Za-z]+)"\}`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("functions/%s/main.go names no single operation", op)
	}
	return string(m[1])
}

// wakers are the operations that start or wake a Standard execution, so their functions (and the
// all-operations one) may invoke the runner; no other function may.
var wakers = []string{"StartExecution", "StopExecution", "ReportTaskSucceeded", "ReportTaskFailed"}

// readOnly are the operations whose functions get read access to the table only.
var readOnly = []string{"DescribeFlow", "ListFlows", "DescribeExecution", "ListExecutions", "GetExecutionHistory",
	"ListFlowVersions", "DescribeFlowAlias", "ListFlowAliases"}

func TestTemplate_Structure(t *testing.T) {
	doc := loadYAML(t, "template.yaml")
	mk := readMakefile(t)
	if got := doc["Transform"]; got != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform = %v, want AWS::Serverless-2016-10-31", got)
	}
	g := dig(doc, "Globals", "Function")
	for key, want := range map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap", "CodeUri": "."} {
		if got := dig(g, key); got != want {
			t.Errorf("Globals.Function.%s = %v, want %v", key, got, want)
		}
	}
	if got := dig(g, "Architectures"); !slices.Equal(toStrings(got), []string{mk.vars["GOARCH"]}) {
		t.Errorf("Architectures = %v, want [%s] (Makefile GOARCH)", got, mk.vars["GOARCH"])
	}
	if got := dig(g, "LoggingConfig", "LogFormat"); got != "JSON" {
		t.Errorf("LoggingConfig.LogFormat = %v, want JSON", got)
	}
	if got := dig(g, "FunctionUrlConfig", "AuthType"); got != "NONE" {
		t.Errorf("Globals FunctionUrlConfig.AuthType = %v, want NONE (the SDK calls path / on a function URL; signatures are checked)", got)
	}
	checkSAMEnvironment(t, doc)

	// One bootstrap for every function: the pattern rule copies it.
	checkBootstrapRule(t, mk, "dist/lambda-%/bootstrap", "LAMBDA_TAGS", "noalibaba")
	if mk.vars["LAMBDA_BOOTSTRAP"] != "dist/lambda-$(GOARCH)/bootstrap" {
		t.Errorf("Makefile LAMBDA_BOOTSTRAP = %q, want dist/lambda-$(GOARCH)/bootstrap", mk.vars["LAMBDA_BOOTSTRAP"])
	}
	if got := mk.recipes["build-%Function"]; !slices.Contains(got, "cp $(LAMBDA_BOOTSTRAP) $(ARTIFACTS_DIR)/bootstrap") {
		t.Errorf("Makefile build-%%Function = %q, want it to copy $(LAMBDA_BOOTSTRAP) to $(ARTIFACTS_DIR)/bootstrap", got)
	}

	resources, _ := doc["Resources"].(map[string]any)
	byAction := map[string][]string{}
	var all []string
	for id, r := range resources {
		if dig(r, "Type") != "AWS::Serverless::Function" {
			continue
		}
		if !strings.HasSuffix(id, "Function") {
			t.Errorf("%s: logical id must end in Function (Makefile rule build-%%Function)", id)
		}
		if got := dig(r, "Metadata", "BuildMethod"); got != "makefile" {
			t.Errorf("%s: BuildMethod = %v, want makefile", id, got)
		}
		action, _ := dig(r, "Properties", "Environment", "Variables", "CLOUDFLOW_OPERATIONS").(string)
		if action == "" {
			all = append(all, id)
		} else {
			byAction[action] = append(byAction[action], id)
		}
		checkPolicies(t, id, action, toMaps(dig(r, "Properties", "Policies")))
	}
	if !slices.Equal(all, []string{"ApiFunction"}) {
		t.Errorf("functions serving every operation = %v, want [ApiFunction]", all)
	}
	if got := dig(doc, "Outputs", "SdkEndpoint", "Value"); got != "ApiFunctionUrl.FunctionUrl" {
		t.Errorf("Outputs.SdkEndpoint = %v, want !GetAtt ApiFunctionUrl.FunctionUrl", got)
	}
	ops := functionOps(t)
	for _, op := range ops {
		a := opAction(t, op)
		if got := byAction[a]; len(got) != 1 {
			t.Errorf("functions/%s (%s) has SAM functions %v, want exactly one", op, a, got)
		}
		delete(byAction, a)
	}
	for a, ids := range byAction {
		t.Errorf("SAM functions %v serve %s, which no functions/<op> serves", ids, a)
	}
	if s, _ := dig(resources, "StartExecutionFunction", "Properties", "Events", "Sweep", "Properties", "Input").(string); s != `{"op":"sweep"}` {
		t.Errorf("StartExecutionFunction sweep input = %q, want {\"op\":\"sweep\"}", s)
	}

	table := dig(resources, "ExecutionsTable")
	if dig(table, "Type") != "AWS::DynamoDB::Table" || dig(table, "Properties", "BillingMode") != "PAY_PER_REQUEST" {
		t.Errorf("ExecutionsTable = %v, want a PAY_PER_REQUEST AWS::DynamoDB::Table", table)
	}
	if dig(table, "DeletionPolicy") != "Retain" || dig(table, "UpdateReplacePolicy") != "Retain" || dig(table, "Properties", "DeletionProtectionEnabled") != true {
		t.Errorf("ExecutionsTable DeletionPolicy %v UpdateReplacePolicy %v DeletionProtectionEnabled %v, want Retain, Retain, true",
			dig(table, "DeletionPolicy"), dig(table, "UpdateReplacePolicy"), dig(table, "Properties", "DeletionProtectionEnabled"))
	}
	keys := map[string]string{}
	for _, k := range toMaps(dig(table, "Properties", "KeySchema")) {
		keys[k["AttributeName"].(string)] = k["KeyType"].(string)
	}
	if keys["pk"] != "HASH" || keys["sk"] != "RANGE" || len(keys) != 2 {
		t.Errorf("KeySchema = %v, want pk HASH, sk RANGE", keys)
	}
	if dig(table, "Properties", "TimeToLiveSpecification", "AttributeName") != "expiresAt" ||
		dig(table, "Properties", "TimeToLiveSpecification", "Enabled") != true {
		t.Errorf("TTL = %v, want expiresAt enabled", dig(table, "Properties", "TimeToLiveSpecification"))
	}
}

// checkPolicies holds a function's policies to least privilege: the table (read-only for the
// read operations), the runner invoke for the functions that start or wake executions, and the
// access-keys secret, nothing else.
func checkPolicies(t *testing.T, id, action string, policies []map[string]any) {
	t.Helper()
	var got []string
	for _, p := range policies {
		for name, arg := range p {
			got = append(got, name)
			switch name {
			case "DynamoDBCrudPolicy", "DynamoDBReadPolicy":
				if dig(arg, "TableName") != "ExecutionsTable" {
					t.Errorf("%s: %s on %v, want ExecutionsTable", id, name, arg)
				}
			case "LambdaInvokePolicy":
				if dig(arg, "FunctionName") != "${AWS::StackName}-start-execution" {
					t.Errorf("%s: LambdaInvokePolicy on %v, want the runner", id, arg)
				}
			case "AWSSecretsManagerGetSecretValuePolicy":
				if dig(arg, "SecretArn") != "AccessKeysSecretArn" {
					t.Errorf("%s: secret policy on %v, want AccessKeysSecretArn", id, arg)
				}
			}
		}
	}
	want := []string{"DynamoDBCrudPolicy"}
	if slices.Contains(readOnly, action) {
		want = []string{"DynamoDBReadPolicy"}
	}
	if action == "" || slices.Contains(wakers, action) {
		want = append(want, "LambdaInvokePolicy")
	}
	want = append(want, "AWSSecretsManagerGetSecretValuePolicy")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: policies %v, want %v", id, got, want)
	}
}

func TestSYAML_Structure(t *testing.T) {
	doc := loadYAML(t, "s.yaml")
	mk := readMakefile(t)
	if doc["edition"] != "3.0.0" {
		t.Errorf("edition = %v, want 3.0.0", doc["edition"])
	}
	checkBootstrapRule(t, mk, "dist/fc-%/bootstrap", "FC_TAGS", "noaws")
	if mk.vars["FC_BOOTSTRAP"] != "dist/fc-$(FC_GOARCH)/bootstrap" {
		t.Errorf("Makefile FC_BOOTSTRAP = %q, want dist/fc-$(FC_GOARCH)/bootstrap", mk.vars["FC_BOOTSTRAP"])
	}
	if got := dig(doc, "vars", "code"); got != "./dist/fc-"+mk.vars["FC_GOARCH"] {
		t.Errorf("vars.code = %v, want ./dist/fc-%s (the folder of FC_BOOTSTRAP)", got, mk.vars["FC_GOARCH"])
	}
	resources, _ := doc["resources"].(map[string]any)
	byAction := map[string][]string{}
	for name, r := range resources {
		if dig(r, "component") != "fc3" {
			t.Errorf("%s: component = %v, want fc3", name, dig(r, "component"))
			continue
		}
		p := dig(r, "props")
		a, _ := dig(p, "environmentVariables", "CLOUDFLOW_OPERATIONS").(string)
		byAction[a] = append(byAction[a], name)
		if got := dig(p, "code"); got != "${vars.code}" {
			t.Errorf("%s: code = %v, want ${vars.code} (the one FC bootstrap)", name, got)
		}
		if got := dig(p, "runtime"); got != "custom.debian12" {
			t.Errorf("%s: runtime = %v, want custom.debian12", name, got)
		}
		if got := toStrings(dig(p, "customRuntimeConfig", "command")); !slices.Equal(got, []string{"./bootstrap"}) {
			t.Errorf("%s: customRuntimeConfig.command = %v, want [./bootstrap]", name, got)
		}
		if got := dig(p, "customRuntimeConfig", "port"); got != 9000 {
			t.Errorf("%s: customRuntimeConfig.port = %v, want 9000 (DefaultFCPort)", name, got)
		}
		timeout, _ := dig(p, "timeout").(int)
		if got := dig(p, "environmentVariables", "FUNCTION_TIMEOUT_S"); got != strconv.Itoa(timeout) {
			t.Errorf("%s: FUNCTION_TIMEOUT_S = %v, want the timeout %d as a string", name, got, timeout)
		}
		if _, err := app.ConfigFromEnv(mapEnv(map[string]string{app.EnvFunctionTimeout: strconv.Itoa(timeout)})); err != nil {
			t.Errorf("%s: timeout %d: %v", name, timeout, err)
		}
		if c, _ := dig(p, "instanceConcurrency").(int); c < 1 || c > 100 {
			t.Errorf("%s: instanceConcurrency = %v, want 1..100", name, dig(p, "instanceConcurrency"))
		}
		var httpTriggers int
		for _, tr := range toMaps(dig(p, "triggers")) {
			if tr["triggerType"] == "http" {
				httpTriggers++
				if m := toStrings(dig(tr, "triggerConfig", "methods")); !slices.Contains(m, "GET") || !slices.Contains(m, "POST") {
					t.Errorf("%s: http trigger methods = %v, want GET and POST", name, m)
				}
			}
		}
		if httpTriggers != 1 {
			t.Errorf("%s: %d http triggers, want 1", name, httpTriggers)
		}
		if hooks := toMaps(dig(r, "actions", "pre-deploy")); len(hooks) != 1 || hooks[0]["run"] != "make fc-build" {
			t.Errorf("%s: pre-deploy = %v, want run: make fc-build", name, hooks)
		}
	}
	if got := byAction[""]; len(got) != 1 {
		t.Errorf("s.yaml functions serving every operation = %v, want exactly one (the SDK endpoint)", got)
	}
	delete(byAction, "")
	for _, op := range functionOps(t) {
		a := opAction(t, op)
		if got := byAction[a]; len(got) != 1 {
			t.Errorf("functions/%s (%s) has s.yaml resources %v, want exactly one", op, a, got)
		}
		delete(byAction, a)
	}
	for a, names := range byAction {
		t.Errorf("s.yaml resources %v serve %s, which no functions/<op> serves", names, a)
	}
	if _, ok := mk.recipes["fc-build"]; !ok {
		t.Errorf("Makefile has no fc-build target")
	}
	checkFCEnvironment(t, doc)
}

func toStrings(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		s, _ := it.(string)
		out = append(out, s)
	}
	return out
}

func toMaps(v any) []map[string]any {
	items, _ := v.([]any)
	var out []map[string]any
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}
