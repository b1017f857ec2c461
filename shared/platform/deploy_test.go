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
// the Makefile to the conventions of platforms.md sections 6 and 7, and to functions/.

var repoRoot = filepath.Join("..", "..")

// functionOps lists the functions/<op> folders, except the all-in-one local server.
func functionOps(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(functionsDir)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "local" {
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

// makeRecipes maps each Makefile target to its recipe lines.
func makeRecipes(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string][]string{}
	var cur string
	rule := regexp.MustCompile(`^([A-Za-z0-9_.-]+):`)
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "\t") && cur != "":
			targets[cur] = append(targets[cur], strings.TrimSpace(line))
		case rule.MatchString(line) && !strings.Contains(line, ":="):
			cur = rule.FindStringSubmatch(line)[1]
			if _, dup := targets[cur]; dup {
				t.Errorf("Makefile defines %s twice", cur)
			}
			targets[cur] = nil
		default:
			cur = ""
		}
	}
	return targets
}

// builtPackage returns the ./functions/<op> a one-line go build recipe builds, and its -o path.
func builtPackage(recipe []string) (op, out string) {
	if len(recipe) != 1 {
		return "", ""
	}
	m := regexp.MustCompile(`-o (\S+) \./functions/([a-z]+)$`).FindStringSubmatch(recipe[0])
	if m == nil {
		return "", ""
	}
	return m[2], m[1]
}

func TestTemplate_Structure(t *testing.T) {
	doc := loadYAML(t, "template.yaml")
	recipes := makeRecipes(t)
	if got := doc["Transform"]; got != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform = %v, want AWS::Serverless-2016-10-31", got)
	}
	g := dig(doc, "Globals", "Function")
	for key, want := range map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap"} {
		if got := dig(g, key); got != want {
			t.Errorf("Globals.Function.%s = %v, want %v", key, got, want)
		}
	}
	if got := dig(g, "Architectures"); !slices.Equal(toStrings(got), []string{"arm64"}) {
		t.Errorf("Architectures = %v, want [arm64] (Makefile GOARCH)", got)
	}
	if got := dig(g, "LoggingConfig", "LogFormat"); got != "JSON" {
		t.Errorf("LoggingConfig.LogFormat = %v, want JSON", got)
	}
	checkSAMEnvironment(t, doc)

	resources, _ := doc["Resources"].(map[string]any)
	fnByOp := map[string][]string{}
	for id, r := range resources {
		if dig(r, "Type") != "AWS::Serverless::Function" {
			continue
		}
		if got := dig(r, "Metadata", "BuildMethod"); got != "makefile" {
			t.Errorf("%s: BuildMethod = %v, want makefile", id, got)
		}
		if got := dig(r, "Properties", "CodeUri"); got != "." {
			t.Errorf("%s: CodeUri = %v, want . (one root go.mod)", id, got)
		}
		if got := dig(r, "Properties", "FunctionUrlConfig", "AuthType"); got == nil {
			t.Errorf("%s: no FunctionUrlConfig (the SDK calls path / on the function's own URL)", id)
		}
		if dig(r, "Properties", "Policies") == nil {
			t.Errorf("%s: no Policies for the executions table", id)
		}
		recipe, ok := recipes["build-"+id]
		if !ok {
			t.Errorf("%s: Makefile has no target build-%s", id, id)
			continue
		}
		op, out := builtPackage(recipe)
		if op == "" || out != "$(ARTIFACTS_DIR)/bootstrap" {
			t.Errorf("build-%s recipe %q: want one go build -o $(ARTIFACTS_DIR)/bootstrap ./functions/<op>", id, recipe)
			continue
		}
		for _, want := range []string{"GOOS=linux", "GOARCH=$(GOARCH)", "CGO_ENABLED=0", "$(BUILD_FLAGS)"} {
			if !strings.Contains(recipe[0], want) {
				t.Errorf("build-%s recipe lacks %s", id, want)
			}
		}
		fnByOp[op] = append(fnByOp[op], id)
	}
	ops := functionOps(t)
	for _, op := range ops {
		if got := fnByOp[op]; len(got) != 1 {
			t.Errorf("functions/%s has SAM functions %v, want exactly one", op, got)
		}
	}
	for op, ids := range fnByOp {
		if !slices.Contains(ops, op) {
			t.Errorf("SAM functions %v build functions/%s, which does not exist", ids, op)
		}
	}
	if got := sortedBuildTargets(recipes, "build-"); len(got) != len(fnByOp) {
		t.Errorf("Makefile build- targets %v, want one per SAM function (%d)", got, len(fnByOp))
	}
	if s, _ := dig(resources, "StartExecutionFunction", "Properties", "Events", "Sweep", "Properties", "Input").(string); s != `{"op":"sweep"}` {
		t.Errorf("StartExecutionFunction sweep input = %q, want {\"op\":\"sweep\"}", s)
	}

	table := dig(resources, "ExecutionsTable")
	if dig(table, "Type") != "AWS::DynamoDB::Table" || dig(table, "Properties", "BillingMode") != "PAY_PER_REQUEST" {
		t.Errorf("ExecutionsTable = %v, want a PAY_PER_REQUEST AWS::DynamoDB::Table", table)
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

func TestSYAML_Structure(t *testing.T) {
	doc := loadYAML(t, "s.yaml")
	recipes := makeRecipes(t)
	if doc["edition"] != "3.0.0" {
		t.Errorf("edition = %v, want 3.0.0", doc["edition"])
	}
	resources, _ := doc["resources"].(map[string]any)
	byOp := map[string][]string{}
	for name, r := range resources {
		if dig(r, "component") != "fc3" {
			t.Errorf("%s: component = %v, want fc3", name, dig(r, "component"))
			continue
		}
		p := dig(r, "props")
		code, _ := dig(p, "code").(string)
		op, ok := strings.CutPrefix(code, "./dist/")
		if !ok {
			t.Errorf("%s: code = %q, want ./dist/<op>", name, code)
			continue
		}
		byOp[op] = append(byOp[op], name)
		if got := dig(p, "runtime"); got != "custom.debian12" {
			t.Errorf("%s: runtime = %v, want custom.debian12", name, got)
		}
		if got := dig(p, "handler"); got != "bootstrap" {
			t.Errorf("%s: handler = %v, want bootstrap", name, got)
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
		hooks := toMaps(dig(r, "actions", "pre-deploy"))
		if len(hooks) != 1 || hooks[0]["run"] != "make fc-build-"+op {
			t.Errorf("%s: pre-deploy = %v, want run: make fc-build-%s", name, hooks, op)
			continue
		}
		rop, out := builtPackage(recipes["fc-build-"+op])
		if rop != op || out != "dist/"+op+"/bootstrap" || !strings.Contains(recipes["fc-build-"+op][0], "CGO_ENABLED=0") {
			t.Errorf("Makefile fc-build-%s = %q, want CGO_ENABLED=0 go build -o dist/%s/bootstrap ./functions/%s", op, recipes["fc-build-"+op], op, op)
		}
	}
	ops := functionOps(t)
	for _, op := range ops {
		if got := byOp[op]; len(got) != 1 {
			t.Errorf("functions/%s has s.yaml resources %v, want exactly one", op, got)
		}
	}
	for op, names := range byOp {
		if !slices.Contains(ops, op) {
			t.Errorf("s.yaml resources %v deploy functions/%s, which does not exist", names, op)
		}
	}
	if all := sortedBuildTargets(recipes, "fc-build-"); len(all) != len(byOp) {
		t.Errorf("Makefile fc-build- targets %v, want one per s.yaml resource (%d)", all, len(byOp))
	}
	if _, ok := recipes["fc-build"]; !ok {
		t.Errorf("Makefile has no fc-build target")
	}
	checkFCEnvironment(t, doc)
}

// sortedBuildTargets lists the Makefile targets with prefix, sorted.
func sortedBuildTargets(recipes map[string][]string, prefix string) []string {
	var out []string
	for k := range recipes {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
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
