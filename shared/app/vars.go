package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

// Names of the environment variables, the only place they are spelled. [Vars] describes each one.
const (
	EnvStore   = "STORE"
	EnvDataDir = "DATA_DIR"
	// EnvTableName names the DynamoDB or Tablestore table.
	EnvTableName      = "TABLE_NAME"
	EnvDynamoEndpoint = "DYNAMODB_ENDPOINT"
	EnvOTSEndpoint    = "OTS_ENDPOINT"
	EnvOTSInstance    = "OTS_INSTANCE"
	// EnvAccessKeyID, EnvAccessKeySecret and EnvSecurityToken are the Alibaba Cloud credentials.
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
	EnvRunner          = "RUNNER"
	EnvRunnerFunction  = "RUNNER_FUNCTION"
	EnvFCAccountID     = "FC_ACCOUNT_ID"
	EnvFCRegion        = "FC_REGION"
	EnvFCEndpoint      = "CLOUDFLOW_FC_ENDPOINT"
	EnvRegion          = "CLOUDFLOW_REGION"
	EnvWorkers         = "CLOUDFLOW_WORKERS"
	EnvAccessKeys      = "CLOUDFLOW_ACCESS_KEYS"
	EnvThrottle        = "CLOUDFLOW_THROTTLE"
	EnvRates           = "CLOUDFLOW_API_RATES"
	EnvRetention       = "CLOUDFLOW_RETENTION"
	EnvLeaseDuration   = "CLOUDFLOW_LEASE_DURATION"
	EnvMaxEvents       = "CLOUDFLOW_MAX_HISTORY_EVENTS"
	EnvMemoryKeep      = "CLOUDFLOW_MEMORY_KEEP"
	// EnvGOGC is the Go garbage collector's target, read by the Go runtime itself.
	EnvGOGC           = "GOGC"
	EnvMockFile       = "CLOUDFLOW_MOCK_FILE"
	EnvTimeScale      = "CLOUDFLOW_TIME_SCALE"
	EnvHTTPAllowHosts = "CLOUDFLOW_HTTP_ALLOW_HOSTS"
	EnvConsole        = "CLOUDFLOW_CONSOLE"
	// EnvMetricsAddr is the local server's /metrics address (Prometheus text format).
	EnvMetricsAddr = "CLOUDFLOW_METRICS_ADDR"
	// EnvFCListenPort and EnvFunctionTimeout are set by Function Compute (the port also by
	// s.yaml's customRuntimeConfig).
	EnvFCListenPort    = "FC_CUSTOM_LISTEN_PORT"
	EnvFunctionTimeout = "FUNCTION_TIMEOUT_S"
	// EnvLambdaRuntimeAPI and EnvFCFunctionName are set by the hosts themselves; platform.Detect
	// reads them (with EnvFCListenPort) to tell Lambda and Function Compute from a local run.
	EnvLambdaRuntimeAPI = "AWS_LAMBDA_RUNTIME_API"
	EnvFCFunctionName   = "FC_FUNCTION_NAME"
)

// Names of the deployment variables (rows of [Vars] like the others).
const (
	// EnvAccessKeysSecret names a secret holding the access keys (AWS Secrets Manager or Alibaba
	// Cloud KMS), read once by New with the function's role.
	EnvAccessKeysSecret = "CLOUDFLOW_ACCESS_KEYS_SECRET"
	// EnvKMSEndpoint replaces the KMS endpoint of a KMS secret.
	EnvKMSEndpoint = "CLOUDFLOW_KMS_ENDPOINT"
	// EnvOperations limits the all-operations binary (functions/api) to some Actions.
	EnvOperations = "CLOUDFLOW_OPERATIONS"
)

// Defaults and bounds applied by ConfigFromEnv and New.
const (
	DefaultDataDir = ".cloudflow-data"
	DefaultRegion  = "cn-hangzhou"
	DefaultWorkers = 1000 // concurrent local runs (execution.DefaultWorkers)
	// MaxWorkers is the largest CLOUDFLOW_WORKERS accepted.
	MaxWorkers = 100000
	// DefaultOTSTable is the Tablestore table name when TABLE_NAME is unset.
	DefaultOTSTable = "cloudflow"
	// DefaultRunMargin is how long before an invocation's deadline a run
	// event stops advancing its execution, to release the lease and
	// enqueue the continuation.
	DefaultRunMargin = 3 * time.Second
	// DefaultFCPort is the Function Compute custom runtime's port when FC_CUSTOM_LISTEN_PORT is
	// unset (s.yaml's customRuntimeConfig.port).
	DefaultFCPort = "9000"
	// MaxFunctionTimeout is the largest FUNCTION_TIMEOUT_S accepted (a day, FC's own limit).
	MaxFunctionTimeout = 24 * time.Hour
	// DefaultMemoryKeep is how many finished executions the memory store
	// keeps (about 3 KB each with a short history); MaxMemoryKeep bounds
	// CLOUDFLOW_MEMORY_KEEP.
	DefaultMemoryKeep = 10000
	MaxMemoryKeep     = 10000000
	// MemoryGCPercent is the garbage collector's target (GOGC) of the local server with
	// STORE=memory when GOGC is unset: the store keeps every record in the Go heap, and at Go's
	// 100 the heap grows to twice its live size between collections.
	MemoryGCPercent = 50
	// MinLeaseDuration and MaxLeaseDuration bound CLOUDFLOW_LEASE_DURATION.
	MinLeaseDuration = time.Second
	MaxLeaseDuration = time.Hour
	// MinMaxEvents and MaxMaxEvents bound CLOUDFLOW_MAX_HISTORY_EVENTS.
	MinMaxEvents = 100
	MaxMaxEvents = 1000000
)

// Var describes one environment variable. The table [Vars] is the single source of the
// configuration: ConfigFromEnv reads the variables through it, the binaries' -h text lists it
// and the README's Configuration table is generated from it (a test keeps them equal; rewrite
// the README with `go test ./shared/app -run TestREADME_ConfigTable -update`).
type Var struct {
	Name    string // the variable, one of the Env constants
	Meaning string // one or two sentences; Markdown code spans allowed
	Default string // what an unset variable means; empty means no value
	Bounds  string // the values accepted; empty means any text
	// Flag is the functions/local command-line flag that takes precedence over the variable.
	Flag string
	// Secret values never appear in errors or output.
	Secret bool
	// load parses the trimmed, non-empty value into c. Nil marks a variable read by
	// platform.Detect, not ConfigFromEnv.
	load func(c *Config, v string) error
}

// vars is the table. Adding an environment variable is one row here: its name (an Env
// constant), meaning, default, bounds and the load function that sets the Config field it
// configures; the loader, -h and the README follow. Nothing else reads the environment.
var vars = []Var{
	{Name: EnvStore, Meaning: "Where flows and executions are kept.", Default: "`" + StoreBolt + "`",
		Bounds: "`bbolt`, `memory`, `dynamodb` or `tablestore`",
		load:   func(c *Config, v string) error { c.Store = v; return nil }},
	{Name: EnvDataDir, Meaning: "bbolt directory.", Default: "`" + DefaultDataDir + "`", Flag: "data",
		load: func(c *Config, v string) error { c.DataDir = v; return nil }},
	{Name: EnvTableName, Meaning: "DynamoDB table (required with `STORE=dynamodb`) or Tablestore table.",
		Default: "none / `" + DefaultOTSTable + "` for Tablestore",
		load:    func(c *Config, v string) error { c.TableName = v; return nil }},
	{Name: EnvDynamoEndpoint, Meaning: "A local DynamoDB-compatible server; the table is created when missing. Unset, region and credentials come from the environment as Lambda sets it (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`; no shared config files or SSO).",
		load: func(c *Config, v string) error { c.DynamoEndpoint = v; return nil }},
	{Name: EnvOTSEndpoint, Meaning: "Tablestore endpoint (required with `STORE=tablestore`).",
		load: func(c *Config, v string) error { c.OTSEndpoint = v; return nil }},
	{Name: EnvOTSInstance, Meaning: "Tablestore instance (required with `STORE=tablestore`).",
		load: func(c *Config, v string) error { c.OTSInstance = v; return nil }},
	{Name: EnvAccessKeyID, Meaning: "Alibaba Cloud access key id of Tablestore, FC runner invocations and `FC:InvokeFunction` (on Function Compute, the function role's).",
		load: func(c *Config, v string) error { c.Alibaba.AccessKeyID = v; return nil }},
	{Name: EnvAccessKeySecret, Meaning: "Its secret.", Secret: true,
		load: func(c *Config, v string) error { c.Alibaba.AccessKeySecret = v; return nil }},
	{Name: EnvSecurityToken, Meaning: "Its STS token, for temporary credentials.", Secret: true,
		load: func(c *Config, v string) error { c.Alibaba.SecurityToken = v; return nil }},
	{Name: EnvRunner, Meaning: "Who runs Standard executions: the in-process pool, or an asynchronous invocation of `RUNNER_FUNCTION` on Lambda or FC. Cloud runners need a shared store.",
		Default: "from the host", Bounds: "`local`, `lambda` or `fc`",
		load: func(c *Config, v string) error { c.Runner = strings.ToLower(v); return nil }},
	{Name: EnvRunnerFunction, Meaning: "The function run events are sent to (required with `RUNNER=lambda` or `fc`).",
		load: func(c *Config, v string) error { c.RunnerFunction = v; return nil }},
	{Name: EnvFCAccountID, Meaning: "Function Compute account of the FC endpoint `<account>.<region>.fc.aliyuncs.com` (set by FC).",
		load: func(c *Config, v string) error { c.FCAccountID = v; return nil }},
	{Name: EnvFCRegion, Meaning: "Function Compute region of that endpoint (set by FC).",
		load: func(c *Config, v string) error { c.FCRegion = v; return nil }},
	{Name: EnvFCEndpoint, Meaning: "Replaces the FC endpoint (`host[:port]`, or `http://host:port` for a local stand-in) of the FC runner and `FC:InvokeFunction`.",
		load: func(c *Config, v string) error { c.FCEndpoint = v; return nil }},
	{Name: EnvRegion, Meaning: "Region shown in ARNs and `HostId`, and the one `FNF:StartExecution` ARNs must name.", Default: "`" + DefaultRegion + "`",
		load: func(c *Config, v string) error { c.Region = v; return nil }},
	{Name: EnvWorkers, Meaning: "Most Standard executions the local runner runs at once; more wait in its queue.",
		Default: "`" + strconv.Itoa(DefaultWorkers) + "`", Bounds: "1 to " + strconv.Itoa(MaxWorkers),
		load: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxWorkers {
				return fmt.Errorf("want an integer from 1 to %d", MaxWorkers)
			}
			c.Workers = n
			return nil
		}},
	{Name: EnvAccessKeys, Meaning: "Access keys requests must be signed with; see Security.", Secret: true,
		Default: "none: unsigned requests accepted, with a loud warning", Bounds: "`id:secret[@account][,…]`",
		load: func(c *Config, v string) (err error) { c.AccessKeys, err = auth.ParseKeys(v); return err }},
	{Name: EnvAccessKeysSecret, Meaning: "ARN of a secret whose value is the access-key list, read once at start-up with the function's role instead of `CLOUDFLOW_ACCESS_KEYS` (setting both is an error): AWS Secrets Manager (`SecretString`) or Alibaba Cloud KMS Secrets Manager (`SecretData`); see Deploying.",
		Bounds: "`arn:aws:secretsmanager:…` or `acs:kms:region:account:secret/name`",
		load:   func(c *Config, v string) error { c.AccessKeysSecret = v; return checkSecretARN(v) }},
	{Name: EnvKMSEndpoint, Meaning: "Replaces the KMS endpoint `kms.<region>.aliyuncs.com` of a KMS secret (`host[:port]`, or `http://host:port` for a local stand-in).",
		load: func(c *Config, v string) error { c.KMSEndpoint = v; return nil }},
	{Name: EnvOperations, Meaning: "The Actions `functions/api` serves; the deployments run every function from that one bootstrap and limit each per-operation function to its Action. The per-operation binaries name their own.",
		Default: "every operation", Bounds: "comma-separated Actions",
		load: func(c *Config, v string) error { c.Operations = append(c.Operations, splitList(v)...); return nil }},
	{Name: EnvThrottle, Meaning: "API throttling switch; see Security.", Default: "on in the clouds, off locally",
		Bounds: "`on` or `off` (`true`/`false`, `1`/`0`)",
		load:   func(c *Config, v string) (err error) { c.Throttle, err = parseOnOff(v); return err }},
	{Name: EnvRates, Meaning: "Overrides API rates (burst/per second); see Security.", Default: "the documented rates",
		Bounds: "`Action=burst/rate[,…]`, e.g. `StartExecution=200/100,Default=20/5`",
		load: func(c *Config, v string) (err error) {
			c.Limits, err = throttle.ParseLimits(v, throttle.DefaultLimits())
			return err
		}},
	{Name: EnvRetention, Meaning: "How long finished executions are kept. After that they read as not existing and their name can be started again. The sweep deletes them, and on DynamoDB the table's TTL on `expiresAt` removes them.",
		Default: "`720h` (30 days)", Bounds: "a positive Go duration such as `720h`",
		load: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return errors.New("want a positive duration such as 720h")
			}
			c.Retention = d
			return nil
		}},
	{Name: EnvMaxEvents, Meaning: "History events per execution; one more fails it with `FnF.LimitExceeded` (reference 9.6). Raise it for Standard flows whose Maps have many items: each iteration records about six events or more.",
		Default: "`" + strconv.Itoa(interp.DefaultMaxEvents) + "`", Bounds: strconv.Itoa(MinMaxEvents) + " to " + strconv.Itoa(MaxMaxEvents),
		load: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < MinMaxEvents || n > MaxMaxEvents {
				return fmt.Errorf("want an integer from %d to %d", MinMaxEvents, MaxMaxEvents)
			}
			c.MaxEvents = n
			return nil
		}},
	{Name: EnvGOGC, Meaning: "The Go garbage collector's target: how far the heap grows past its live size before a collection, in percent; read by the Go runtime. The local server with `STORE=memory` runs at " + strconv.Itoa(MemoryGCPercent) + " unless it is set, since that store keeps every record in the heap: 100,000 parked executions then peak at about 260 MB instead of 350 MB, for more collector work. See Durability.",
		Default: "`100`; `" + strconv.Itoa(MemoryGCPercent) + "` for the local server with `STORE=memory`", Bounds: "a whole percentage, or `off`",
		// Only noted as set (Config.IsSet): the Go runtime reads it.
		load: func(*Config, string) error { return nil }},
	{Name: EnvMemoryKeep, Meaning: "With `STORE=memory`: how many finished executions are kept. When one more finishes, the oldest finished one is deleted with its history, whatever its retention; so the memory store's size stays bounded.",
		Default: "`" + strconv.Itoa(DefaultMemoryKeep) + "`", Bounds: "1 to " + strconv.Itoa(MaxMemoryKeep),
		load: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxMemoryKeep {
				return fmt.Errorf("want an integer from 1 to %d", MaxMemoryKeep)
			}
			c.MemoryKeep = n
			return nil
		}},
	{Name: EnvLeaseDuration, Meaning: "How long a runner's lease on a Standard execution lasts unrenewed; the runner renews it every third of it. When instances share a table (`dynamodb`, `tablestore`) and one dies, another takes its executions over once their leases expired; locally the sweep looks every `10s`, or every lease duration when that is shorter. On `bbolt` a restart takes leases over at once.",
		Default: "`30s`", Bounds: "a Go duration from `1s` to `1h`",
		load: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < MinLeaseDuration || d > MaxLeaseDuration {
				return errors.New("want a duration from 1s to 1h, such as 30s")
			}
			c.LeaseDuration = d
			return nil
		}},
	{Name: EnvMockFile, Meaning: "Task mock file (YAML or JSON), read again when it changes; an execution named `<name>__<case>` is answered from the file's case `<case>`. See Mocking Task states locally.",
		load: func(c *Config, v string) error { c.MockFile = v; return nil }},
	{Name: EnvTimeScale, Meaning: "Runs Waits, retry intervals, Task timeouts and mock delays at this factor of real time: `0` skips them (the clock jumps ahead), `0.01` runs them at 1 %. For tests and demos.",
		Default: "`1` (real time)", Bounds: "a number from 0 to 1000",
		load: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f >= 0 && f <= 1000) {
				return errors.New("want a number from 0 to 1000, e.g. 0 or 0.01")
			}
			c.EngineClock = interp.ScaledClock(f)
			return nil
		}},
	{Name: EnvHTTPAllowHosts, Meaning: "Hosts `HTTP:Request` may call: `api.example.com`, `127.0.0.1:8080` (host and port), `*.example.com` (subdomains, not the apex); case-insensitive.",
		Default: "any host", Bounds: "comma-separated hosts",
		load: func(c *Config, v string) error {
			c.HTTPAllowHosts = append(c.HTTPAllowHosts, splitList(v)...)
			return nil
		}},
	{Name: EnvConsole, Meaning: "The web console at `/console/` beside the API; see Console.", Default: "on locally, off in the cloud functions",
		Bounds: "`on` or `off` (`true`/`false`, `1`/`0`)",
		load:   func(c *Config, v string) (err error) { c.Console, err = parseOnOff(v); return err }},
	{Name: EnvHTTPAllowRanges, Meaning: "Address ranges `HTTP:Request` may reach although they are not public. In the clouds and on any server with access keys, only public addresses may be called: loopback, link-local (cloud metadata), private, shared (`100.64.0.0/10`), unspecified and multicast addresses are refused, checked on the address actually dialled (after DNS, on every redirect); hosts on `CLOUDFLOW_HTTP_ALLOW_HOSTS` are allowed too. The local development server allows any address.",
		Default: "none", Bounds: "comma-separated CIDR ranges or addresses, e.g. `10.1.0.0/16,192.168.1.5`",
		load: loadRanges},
	{Name: EnvFCListenPort, Meaning: "Function Compute only: the custom runtime's port.", Default: "`" + DefaultFCPort + "`",
		load: func(c *Config, v string) error { c.FCPort = v; return nil }},
	{Name: EnvFunctionTimeout, Meaning: "Function Compute only. FC sends no deadline, so StartSyncExecution and runner invocations are bounded by this value, less a margin; keep it equal to the function's timeout.",
		Default: "no deadline", Bounds: "whole seconds from 1 to 86400",
		load: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || time.Duration(n)*time.Second > MaxFunctionTimeout {
				return fmt.Errorf("want whole seconds from 1 to %d", int(MaxFunctionTimeout/time.Second))
			}
			c.FunctionTimeout = time.Duration(n) * time.Second
			return nil
		}},
	{Name: EnvReadHeaderTimeout, Meaning: "Local and FC server: most time to read a request's headers.",
		Default: "`10s`", Bounds: durationBounds,
		load: loadDuration(func(c *Config) *time.Duration { return &c.Server.ReadHeaderTimeout })},
	{Name: EnvReadTimeout, Meaning: "Most time to read a whole request, body included; a slower body is cut off.",
		Default: "`30s`", Bounds: durationBounds,
		load: loadDuration(func(c *Config) *time.Duration { return &c.Server.ReadTimeout })},
	{Name: EnvWriteTimeout, Meaning: "Most time from the end of a request's headers to the end of its response: the 60 s `WaitTimeSeconds` long poll plus a margin. `StartSyncExecution` gets 315 s (the 300 s Express bound plus a margin); on FC, the function timeout plus 10 s.",
		Default: "`75s`", Bounds: durationBounds,
		load: loadDuration(func(c *Config) *time.Duration { return &c.Server.WriteTimeout })},
	{Name: EnvIdleTimeout, Meaning: "How long an idle keep-alive connection is kept open.",
		Default: "`60s`", Bounds: durationBounds,
		load: loadDuration(func(c *Config) *time.Duration { return &c.Server.IdleTimeout })},
	{Name: EnvMaxHeaderBytes, Meaning: "Largest request header block, query string included; a larger one is answered 431.",
		Default: "`65536`", Bounds: "4096 to 16777216",
		load: loadInt(minMaxHeaderBytes, maxMaxHeaderBytes, func(c *Config) *int { return &c.Server.MaxHeaderBytes })},
	{Name: EnvMaxConns, Meaning: "Most connections the local or FC server holds at once; each one beyond gets an immediate 503 `ServiceUnavailable` and is closed.",
		Default: "`1024`", Bounds: "1 to 1048576",
		load: loadInt(1, maxMaxConns, func(c *Config) *int { return &c.Server.MaxConns })},
	{Name: EnvMaxSyncRuns, Meaning: "Most `StartSyncExecution` runs one account has in flight, on every host; more get 429 `ResourceThrottled`.",
		Default: "`64`", Bounds: "1 to 100000",
		load: loadInt(1, maxMaxSyncRuns, func(c *Config) *int { return &c.MaxSyncRuns })},
	{Name: EnvMetricsAddr, Meaning: "Local server only: also serve the metrics at `/metrics` on this address, in the Prometheus text format; see Traces and metrics.",
		Default: "off", Bounds: "`host:port`, e.g. `127.0.0.1:9464`", Flag: "metrics-addr",
		load: func(c *Config, v string) error { c.MetricsAddr = v; return nil }},
	{Name: EnvLogLevel, Meaning: "Least level logged.", Default: "`info`", Bounds: "`debug`, `info`, `warn` or `error`", load: loadLogLevel},
	{Name: EnvLogFormat, Meaning: "Log format: one JSON object per line, or slog's `key=value` text for a terminal.", Default: "`json`", Bounds: "`json` or `text`", load: loadLogFormat},
	{Name: EnvLambdaRuntimeAPI, Meaning: "Set by AWS Lambda; selects the Lambda adapter."},
	{Name: EnvFCFunctionName, Meaning: "Set by Function Compute; selects the FC custom-runtime adapter (as does `FC_CUSTOM_LISTEN_PORT`)."},
}

// Vars returns the table of environment variables, in documentation order.
func Vars() []Var { return append([]Var(nil), vars...) }

// ConfigFromEnv builds a Config from the environment variables of [Vars], read through getenv
// (usually os.Getenv); overrides (flag values by variable name, such as functions/local's -data
// for DATA_DIR) take precedence. Unset variables take their defaults. It returns an error naming
// the variable for a value outside its Bounds (never containing a Secret value), an unknown STORE
// or RUNNER, a store or runner whose required variables are missing (the error names them all),
// and a cloud runner on an instance-local store. A per-operation binary's main replaces Operations (CLOUDFLOW_OPERATIONS); Cloud is left for main to set,
// and so is Runner when RUNNER is unset.
func ConfigFromEnv(getenv func(string) string, overrides ...map[string]string) (Config, error) {
	var cfg Config
	for _, v := range vars {
		if v.load == nil {
			continue
		}
		val := getenv(v.Name)
		for _, o := range overrides {
			if s, ok := o[v.Name]; ok {
				val = s
			}
		}
		val = strings.TrimSpace(val)
		if val == "" {
			continue
		}
		if err := v.load(&cfg, val); err != nil {
			if v.Secret {
				return Config{}, fmt.Errorf("%s: %w", v.Name, err)
			}
			return Config{}, fmt.Errorf("%s=%q: %w", v.Name, val, err)
		}
		if cfg.set == nil {
			cfg.set = map[string]bool{}
		}
		cfg.set[v.Name] = true
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// IsSet reports whether ConfigFromEnv found the variable name set (or its flag given).
func (c Config) IsSet(name string) bool { return c.set[name] }

// splitList splits a comma-separated variable value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseOnOff reads a switch (ThrottleOn/Off, ConsoleOn/Off): on or off,
// also spelt true/false or 1/0.
func parseOnOff(v string) (string, error) {
	switch strings.ToLower(v) {
	case "on", "true", "1":
		return "on", nil
	case "off", "false", "0":
		return "off", nil
	}
	return "", errors.New("want on or off")
}
