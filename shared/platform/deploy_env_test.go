package platform

import (
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// sampleAWSSecret and sampleKMSSecret stand in for the deployer's secret ARNs when a deployed
// environment is fed to app.ConfigFromEnv.
const (
	sampleAWSSecret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudflow/access-keys-AbCdEf"
	sampleKMSSecret = "acs:kms:cn-hangzhou:1234567890:secret/cloudflow-access-keys"
)

// checkSAMEnvironment holds template.yaml's function environment to the cloud wiring: the DynamoDB
// store on the template's table, the Lambda runner invoking StartExecutionFunction (which may
// invoke itself and receives the sweep), and access keys from a Secrets Manager secret named by a
// parameter, never in the template or the environment; the environment
// a function would see must pass app.ConfigFromEnv as a DynamoDB store with the lambda runner.
func checkSAMEnvironment(t *testing.T, doc map[string]any) {
	t.Helper()
	vars, _ := dig(doc, "Globals", "Function", "Environment", "Variables").(map[string]any)
	// The YAML decoder drops the short tags (!Ref, !Sub) and keeps their argument.
	for key, want := range map[string]any{
		"STORE":                        "dynamodb",
		"TABLE_NAME":                   "ExecutionsTable",
		"RUNNER":                       "lambda",
		"RUNNER_FUNCTION":              "${AWS::StackName}-start-execution",
		"CLOUDFLOW_ACCESS_KEYS_SECRET": "AccessKeysSecretArn",
	} {
		if got := vars[key]; got != want {
			t.Errorf("Globals environment %s = %v, want %v", key, got, want)
		}
	}
	for _, key := range []string{"DATA_DIR", "CLOUDFLOW_ACCESS_KEYS"} {
		if _, ok := vars[key]; ok {
			t.Errorf("Globals environment sets %s", key)
		}
	}
	if p := dig(doc, "Parameters", "AccessKeysSecretArn"); dig(p, "Type") != "String" || dig(p, "Default") != nil {
		t.Errorf("Parameters.AccessKeysSecretArn = %v, want a String with no default", p)
	}
	if pat, _ := dig(doc, "Parameters", "AccessKeysSecretArn", "AllowedPattern").(string); !regexp.MustCompile(pat).MatchString(sampleAWSSecret) || regexp.MustCompile(pat).MatchString("AKID:secret") {
		t.Errorf("Parameters.AccessKeysSecretArn AllowedPattern %q must accept a secret ARN and refuse a key list", pat)
	}
	runner := dig(doc, "Resources", "StartExecutionFunction", "Properties")
	if got := dig(runner, "FunctionName"); got != vars["RUNNER_FUNCTION"] {
		t.Errorf("StartExecutionFunction FunctionName = %v, want RUNNER_FUNCTION %v", got, vars["RUNNER_FUNCTION"])
	}
	invokes := false
	for _, pol := range toMaps(dig(runner, "Policies")) {
		invokes = invokes || dig(pol, "LambdaInvokePolicy", "FunctionName") == vars["RUNNER_FUNCTION"]
	}
	if !invokes {
		t.Errorf("StartExecutionFunction Policies = %v, want LambdaInvokePolicy on RUNNER_FUNCTION", dig(runner, "Policies"))
	}
	env := map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
	for k, v := range vars {
		env[k], _ = v.(string)
	}
	env["CLOUDFLOW_ACCESS_KEYS_SECRET"] = sampleAWSSecret
	cfg, err := app.ConfigFromEnv(mapEnv(env))
	if err != nil {
		t.Fatalf("ConfigFromEnv(template environment) = %v", err)
	}
	if cfg.Store != app.StoreDynamo || cfg.Runner != app.RunnerLambda || DefaultRunner(Detect(mapEnv(env)), cfg, false) != app.RunnerLambda {
		t.Errorf("template environment gives store %q runner %q, want dynamodb and lambda", cfg.Store, cfg.Runner)
	}
}

// fcRef matches a Serverless Devs variable reference.
var fcRef = regexp.MustCompile(`^\$\{vars\.([A-Za-z0-9_]+)\}$`)

// checkFCEnvironment holds every s.yaml function's environment to the cloud wiring: Tablestore,
// the fc runner invoking the StartExecution function (which has the sweep timer), a role for the
// runtime credentials, access keys from the deployer's environment, no reserved FC_ names; the
// environment a function would see (with the variables Function Compute adds) must pass
// app.ConfigFromEnv as a Tablestore store with the fc runner.
func checkFCEnvironment(t *testing.T, doc map[string]any) {
	t.Helper()
	vars, _ := doc["vars"].(map[string]any)
	resolve := func(v any) string {
		s, _ := v.(string)
		if m := fcRef.FindStringSubmatch(s); m != nil {
			s, _ = vars[m[1]].(string)
		}
		return s
	}
	if got := resolve("${vars.accessKeysSecret}"); !strings.HasPrefix(got, "${env(") {
		t.Errorf("vars.accessKeysSecret = %q, want a ${env(...)} reference to the deployer's KMS secret ARN", got)
	}
	resources, _ := doc["resources"].(map[string]any)
	runnerName := ""
	for _, r := range resources {
		if dig(r, "props", "environmentVariables", "CLOUDFLOW_OPERATIONS") == "StartExecution" {
			runnerName, _ = dig(r, "props", "functionName").(string)
			sweeps := false
			for _, tr := range toMaps(dig(r, "props", "triggers")) {
				sweeps = sweeps || tr["triggerType"] == "timer" && dig(tr, "triggerConfig", "payload") == `{"op":"sweep"}`
			}
			if !sweeps {
				t.Errorf("%s: no timer trigger with payload %s", runnerName, `{"op":"sweep"}`)
			}
		}
	}
	if runnerName == "" {
		t.Fatal("s.yaml has no StartExecution function (the runner)")
	}
	for name, r := range resources {
		p := dig(r, "props")
		if resolve(dig(p, "role")) == "" {
			t.Errorf("%s: no role (its credentials reach Tablestore and invoke the runner)", name)
		}
		raw, _ := dig(p, "environmentVariables").(map[string]any)
		env := map[string]string{}
		for k, v := range raw {
			if strings.HasPrefix(k, "FC_") {
				t.Errorf("%s: variable %s uses the reserved FC_ prefix", name, k)
			}
			env[k] = resolve(v)
		}
		for key, want := range map[string]string{"STORE": "tablestore", "RUNNER": "fc", "RUNNER_FUNCTION": runnerName} {
			if env[key] != want {
				t.Errorf("%s: %s = %q, want %q", name, key, env[key], want)
			}
		}
		if raw["CLOUDFLOW_ACCESS_KEYS_SECRET"] != "${vars.accessKeysSecret}" {
			t.Errorf("%s: CLOUDFLOW_ACCESS_KEYS_SECRET = %v, want ${vars.accessKeysSecret}", name, raw["CLOUDFLOW_ACCESS_KEYS_SECRET"])
		}
		if _, ok := raw["CLOUDFLOW_ACCESS_KEYS"]; ok {
			t.Errorf("%s: sets CLOUDFLOW_ACCESS_KEYS in the environment; keys belong in the KMS secret", name)
		}
		// What Function Compute adds: the runtime's identity and the role's credentials.
		full := maps.Clone(env)
		maps.Copy(full, map[string]string{
			"FC_FUNCTION_NAME": "f", "FC_ACCOUNT_ID": "1234567890", "FC_REGION": "cn-hangzhou",
			"ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret", "ALIBABA_CLOUD_SECURITY_TOKEN": "token",
			"CLOUDFLOW_ACCESS_KEYS_SECRET": sampleKMSSecret,
		})
		cfg, err := app.ConfigFromEnv(mapEnv(full))
		if err != nil {
			t.Errorf("%s: ConfigFromEnv(its environment) = %v", name, err)
			continue
		}
		if cfg.Store != app.StoreTablestore || cfg.OTSEndpoint == "" || cfg.OTSInstance == "" || cfg.TableName == "" || cfg.Runner != app.RunnerFC {
			t.Errorf("%s: environment gives %+v, want Tablestore with endpoint, instance and table, runner fc", name, cfg)
		}
	}
}

func mapEnv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
