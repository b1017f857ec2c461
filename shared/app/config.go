package app

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

// Store kinds accepted in Config.Store.
const (
	StoreBolt   = "bbolt"
	StoreMemory = "memory"
	// StoreDynamo is a DynamoDB table (TABLE_NAME; DYNAMODB_ENDPOINT for a
	// local DynamoDB-compatible server).
	StoreDynamo = "dynamodb"
	// StoreTablestore is a Tablestore table (OTS_ENDPOINT, OTS_INSTANCE,
	// TABLE_NAME, credentials from ALIBABA_CLOUD_ACCESS_KEY_*).
	StoreTablestore = "tablestore"
)

// Runners accepted in Config.Runner: who advances Standard executions.
const (
	// RunnerLocal is the in-process goroutine pool (the default).
	RunnerLocal = "local"
	// RunnerLambda invokes RUNNER_FUNCTION asynchronously on AWS Lambda.
	RunnerLambda = "lambda"
	// RunnerFC invokes RUNNER_FUNCTION asynchronously on Function Compute.
	RunnerFC = "fc"
)

// Throttle switches accepted in Config.Throttle.
const (
	// ThrottleAuto throttles in the cloud function runtimes (Config.Cloud)
	// and not on the local endpoint, so local development and test suites
	// are never throttled.
	ThrottleAuto = ""
	// ThrottleOn always applies the per-account API rates.
	ThrottleOn = "on"
	// ThrottleOff never throttles.
	ThrottleOff = "off"
)

// Environment variables read by ConfigFromEnv besides STORE, DATA_DIR,
// CLOUDFLOW_REGION and CLOUDFLOW_WORKERS.
const (
	// EnvTableName names the DynamoDB or Tablestore table.
	EnvTableName = "TABLE_NAME"
	// EnvDynamoEndpoint points the DynamoDB store at a local server (such as
	// dynalite); unset means the AWS endpoint of the default config chain.
	EnvDynamoEndpoint = "DYNAMODB_ENDPOINT"
	// EnvOTSEndpoint and EnvOTSInstance locate the Tablestore instance.
	EnvOTSEndpoint = "OTS_ENDPOINT"
	EnvOTSInstance = "OTS_INSTANCE"
	// EnvAccessKeyID, EnvAccessKeySecret and EnvSecurityToken are the
	// Alibaba Cloud credentials (on Function Compute, the function role's)
	// for Tablestore and asynchronous FC invocations.
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
	// EnvRunner is local, lambda or fc; empty lets the platform layer pick
	// from the host (see Config.Runner).
	EnvRunner = "RUNNER"
	// EnvRunnerFunction names the function asynchronous run events go to.
	EnvRunnerFunction = "RUNNER_FUNCTION"
	// EnvFCAccountID and EnvFCRegion locate the Function Compute API
	// (set by Function Compute in every function).
	EnvFCAccountID = "FC_ACCOUNT_ID"
	EnvFCRegion    = "FC_REGION"
	// EnvFCEndpoint replaces the Function Compute API endpoint
	// (host[:port], or a URL with http:// for a test server).
	EnvFCEndpoint = "CLOUDFLOW_FC_ENDPOINT"

	// EnvHTTPAllowHosts restricts the hosts HTTP:Request Tasks may call: a
	// comma-separated list of host names, host:port pairs and *.domain
	// wildcards; empty allows any host (reference 7.4).
	EnvHTTPAllowHosts = "CLOUDFLOW_HTTP_ALLOW_HOSTS"

	// EnvAccessKeys holds the access keys, id:secret[@account][,…] (see
	// auth.ParseKeys); empty accepts unsigned requests.
	EnvAccessKeys = "CLOUDFLOW_ACCESS_KEYS"
	// EnvThrottle is on, off or empty (ThrottleAuto).
	EnvThrottle = "CLOUDFLOW_THROTTLE"
	// EnvRetention is how long finished executions are kept, a Go duration
	// such as 720h (see Config.Retention).
	EnvRetention = "CLOUDFLOW_RETENTION"
	// EnvRates overrides API rates, e.g. "StartExecution=200/100,Default=20/5"
	// (see throttle.ParseLimits).
	EnvRates = throttle.EnvVar
)

// Defaults applied by ConfigFromEnv and New to zero Config fields.
const (
	DefaultDataDir = ".cloudflow-data"
	DefaultRegion  = "cn-hangzhou"
	DefaultWorkers = 1000 // concurrent local runs (execution.DefaultWorkers)
	maxWorkers     = 100000
	// DefaultOTSTable is the Tablestore table name when TABLE_NAME is unset.
	DefaultOTSTable = "cloudflow"
	// DefaultRunMargin is how long before an invocation's deadline a run
	// event stops advancing its execution, to release the lease and
	// enqueue the continuation.
	DefaultRunMargin = 3 * time.Second
)

// AlibabaCredentials are Alibaba Cloud credentials. String never shows the
// secret or the token.
type AlibabaCredentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string // set for temporary (STS) credentials
}

// String names the key id only.
func (c AlibabaCredentials) String() string {
	if c.AccessKeyID == "" {
		return "(none)"
	}
	return c.AccessKeyID + ":<redacted>"
}

// GoString is String, so %#v does not print the secret either.
func (c AlibabaCredentials) GoString() string { return c.String() }

// Config is the service configuration, built once by main.
type Config struct {
	Store   string // "bbolt" (default) | "memory" | "dynamodb" | "tablestore"
	DataDir string // bbolt directory, default ".cloudflow-data"
	// TableName is the DynamoDB table (required with STORE=dynamodb) or the
	// Tablestore table (default DefaultOTSTable).
	TableName string
	// DynamoEndpoint points the DynamoDB store at a local server, whose
	// table New creates when missing; empty uses the AWS default config
	// chain (region and credentials) and a table deployed by the template.
	DynamoEndpoint string
	// OTSEndpoint and OTSInstance locate Tablestore (required with
	// STORE=tablestore); New creates the table when it is missing.
	OTSEndpoint, OTSInstance string
	// Alibaba are the credentials of Tablestore and of FC invocations.
	Alibaba AlibabaCredentials

	// Runner is RunnerLocal, RunnerLambda or RunnerFC; empty means local.
	// platform.Main sets it from the host when RUNNER is unset: lambda on
	// Lambda and fc on Function Compute when the store is shared
	// (dynamodb, tablestore), local otherwise. The cloud runners need a
	// shared store, since the runner runs in another instance.
	Runner string
	// RunnerFunction is the function run events are sent to (required with
	// the lambda and fc runners).
	RunnerFunction string
	// FCAccountID and FCRegion give the FC runner's API endpoint
	// <account>.<region>.fc.aliyuncs.com unless FCEndpoint replaces it.
	FCAccountID, FCRegion, FCEndpoint string
	// RunMargin is kept back from an invocation's deadline by a run event;
	// zero means DefaultRunMargin, and it is capped at a quarter of the
	// time left.
	RunMargin time.Duration

	Region     string   // default "cn-hangzhou"
	Operations []string // Actions served; empty = all (functions/local); one entry in per-operation binaries
	Workers    int      // most executions the local runner runs at a time, default 1000
	// Retention is how long a finished execution is kept before it reads
	// as absent and is deleted (execution.Options.Retention); zero means
	// execution.DefaultRetention (30 days, reference 9.4).
	Retention time.Duration
	// MockFile is a task mock file (package action); when set, Task states
	// are answered from it and only its Actions pass flow validation.
	MockFile string
	// HTTPAllowHosts restricts the hosts HTTP:Request Tasks may call (see
	// action.HTTPOptions.AllowHosts); empty allows any host.
	HTTPAllowHosts []string

	// AccessKeys are the keys requests must be signed with. With none, the
	// service accepts unsigned requests, all acting as auth.DefaultAccount,
	// and New logs a warning saying so.
	AccessKeys auth.Keys
	// Throttle is ThrottleAuto (default), ThrottleOn or ThrottleOff.
	Throttle string
	// Server bounds the connections of the HTTP hosts (platform.Serve);
	// zero fields take the documented defaults.
	Server ServerLimits
	// MaxSyncRuns caps the StartSyncExecution runs one account has in
	// flight (excess calls: 429 ResourceThrottled); zero means
	// DefaultMaxSyncRuns.
	MaxSyncRuns int
	// Cloud is set by the platform layer when the process runs in a cloud
	// function runtime (Lambda, Function Compute); it turns ThrottleAuto on.
	Cloud bool
	// Limits are the per-account, per-operation API rates; the zero value
	// means throttle.DefaultLimits (reference 9.6).
	Limits throttle.Limits
	// Now is the clock of the signature time window and the token buckets;
	// nil means time.Now. Tests inject it.
	Now func() time.Time
	// Logger receives start-up messages (the open-mode warning); nil means
	// slog.Default() as it is when New runs.
	Logger *slog.Logger
}

// Throttled reports whether the API rates are enforced: Throttle is on, or
// it is auto and the process runs in a cloud runtime.
func (c Config) Throttled() bool {
	return c.Throttle == ThrottleOn || c.Throttle == ThrottleAuto && c.Cloud
}

// ConfigFromEnv builds a Config from the environment variables STORE,
// DATA_DIR, TABLE_NAME, DYNAMODB_ENDPOINT, OTS_ENDPOINT, OTS_INSTANCE,
// ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
// ALIBABA_CLOUD_SECURITY_TOKEN, RUNNER, RUNNER_FUNCTION, FC_ACCOUNT_ID,
// FC_REGION, CLOUDFLOW_FC_ENDPOINT, CLOUDFLOW_REGION, CLOUDFLOW_WORKERS,
// CLOUDFLOW_MOCK_FILE, CLOUDFLOW_HTTP_ALLOW_HOSTS, CLOUDFLOW_ACCESS_KEYS, CLOUDFLOW_THROTTLE,
// CLOUDFLOW_RETENTION, CLOUDFLOW_API_RATES and the server limits of ServerLimits
// (CLOUDFLOW_READ_HEADER_TIMEOUT, CLOUDFLOW_READ_TIMEOUT, CLOUDFLOW_WRITE_TIMEOUT,
// CLOUDFLOW_IDLE_TIMEOUT, CLOUDFLOW_MAX_HEADER_BYTES, CLOUDFLOW_MAX_CONNS) and
// CLOUDFLOW_MAX_SYNC_RUNS, read through getenv (usually os.Getenv). Unset
// variables take their defaults. It returns an error for an unknown STORE
// or RUNNER, for a store or runner whose required variables are missing
// (the error names them all: STORE=dynamodb needs TABLE_NAME; tablestore
// needs OTS_ENDPOINT, OTS_INSTANCE and the access key id and secret;
// RUNNER=lambda needs RUNNER_FUNCTION; RUNNER=fc needs RUNNER_FUNCTION, the
// access key and FC_ACCOUNT_ID and FC_REGION or CLOUDFLOW_FC_ENDPOINT), for
// a cloud runner on an instance-local store, a CLOUDFLOW_WORKERS that is not
// an integer in 1..256, a malformed key list (no error ever contains a
// secret), a CLOUDFLOW_THROTTLE other than on/off (or true/false, 1/0), a
// CLOUDFLOW_RETENTION that is not a positive Go duration and a malformed
// rate override. Operations and Cloud are left for main to set,
// and so is Runner when RUNNER is unset.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Store:    strings.TrimSpace(getenv("STORE")),
		DataDir:  strings.TrimSpace(getenv("DATA_DIR")),
		Region:   strings.TrimSpace(getenv("CLOUDFLOW_REGION")),
		MockFile: strings.TrimSpace(getenv("CLOUDFLOW_MOCK_FILE")),

		TableName:      strings.TrimSpace(getenv(EnvTableName)),
		DynamoEndpoint: strings.TrimSpace(getenv(EnvDynamoEndpoint)),
		OTSEndpoint:    strings.TrimSpace(getenv(EnvOTSEndpoint)),
		OTSInstance:    strings.TrimSpace(getenv(EnvOTSInstance)),
		Alibaba: AlibabaCredentials{
			AccessKeyID:     strings.TrimSpace(getenv(EnvAccessKeyID)),
			AccessKeySecret: strings.TrimSpace(getenv(EnvAccessKeySecret)),
			SecurityToken:   strings.TrimSpace(getenv(EnvSecurityToken)),
		},
		Runner:         strings.ToLower(strings.TrimSpace(getenv(EnvRunner))),
		RunnerFunction: strings.TrimSpace(getenv(EnvRunnerFunction)),
		FCAccountID:    strings.TrimSpace(getenv(EnvFCAccountID)),
		FCRegion:       strings.TrimSpace(getenv(EnvFCRegion)),
		FCEndpoint:     strings.TrimSpace(getenv(EnvFCEndpoint)),
	}
	for _, h := range strings.Split(getenv(EnvHTTPAllowHosts), ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.HTTPAllowHosts = append(cfg.HTTPAllowHosts, h)
		}
	}
	if w := strings.TrimSpace(getenv("CLOUDFLOW_WORKERS")); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > maxWorkers {
			return Config{}, fmt.Errorf("CLOUDFLOW_WORKERS=%q: want an integer from 1 to %d", w, maxWorkers)
		}
		cfg.Workers = n
	}
	if r := strings.TrimSpace(getenv(EnvRetention)); r != "" {
		d, err := time.ParseDuration(r)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("%s=%q: want a positive duration such as 720h", EnvRetention, r)
		}
		cfg.Retention = d
	}
	keys, err := auth.ParseKeys(getenv(EnvAccessKeys))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvAccessKeys, err)
	}
	cfg.AccessKeys = keys
	switch t := strings.ToLower(strings.TrimSpace(getenv(EnvThrottle))); t {
	case "":
	case ThrottleOn, "true", "1":
		cfg.Throttle = ThrottleOn
	case ThrottleOff, "false", "0":
		cfg.Throttle = ThrottleOff
	default:
		return Config{}, fmt.Errorf("%s=%q: want on or off", EnvThrottle, t)
	}
	if spec := strings.TrimSpace(getenv(EnvRates)); spec != "" {
		limits, err := throttle.ParseLimits(spec, throttle.DefaultLimits())
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvRates, err)
		}
		cfg.Limits = limits
	}
	if err := serverFromEnv(getenv, &cfg); err != nil {
		return Config{}, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func (c Config) withDefaults() Config {
	if c.Store == "" {
		c.Store = StoreBolt
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Store == StoreTablestore && c.TableName == "" {
		c.TableName = DefaultOTSTable
	}
	if c.RunMargin <= 0 {
		c.RunMargin = DefaultRunMargin
	}
	if c.Retention == 0 {
		c.Retention = execution.DefaultRetention
	}
	c.Server = c.Server.WithDefaults()
	if c.MaxSyncRuns <= 0 {
		c.MaxSyncRuns = DefaultMaxSyncRuns
	}
	if c.Limits.Default == (throttle.Rate{}) {
		d := throttle.DefaultLimits()
		c.Limits.Default = d.Default
		if c.Limits.Actions == nil {
			c.Limits.Actions = d.Actions
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func (c Config) validate() error {
	if err := c.validateStore(); err != nil {
		return err
	}
	if err := c.validateRunner(); err != nil {
		return err
	}
	if c.Workers < 1 || c.Workers > maxWorkers {
		return fmt.Errorf("workers %d: want 1 to %d", c.Workers, maxWorkers)
	}
	if c.Retention <= 0 {
		return fmt.Errorf("retention %s: want a positive duration", c.Retention)
	}
	switch c.Throttle {
	case ThrottleAuto, ThrottleOn, ThrottleOff:
	default:
		return fmt.Errorf("throttle %q: want %q, %q or empty", c.Throttle, ThrottleOn, ThrottleOff)
	}
	for name, r := range c.Limits.Actions {
		if r.Burst < 1 || !(r.PerSecond > 0) {
			return fmt.Errorf("rate %s=%s: want a burst of at least 1 and a positive rate", name, r)
		}
	}
	if r := c.Limits.Default; r.Burst < 1 || !(r.PerSecond > 0) {
		return fmt.Errorf("rate %s=%s: want a burst of at least 1 and a positive rate", throttle.DefaultName, r)
	}
	return nil
}

// Shared reports whether the store is shared between processes and
// instances (DynamoDB, Tablestore), as the cloud runners need.
func (c Config) Shared() bool { return c.Store == StoreDynamo || c.Store == StoreTablestore }

// missing returns an error naming the empty variables among vars (name,
// value pairs) that what needs, or nil.
func missing(what string, vars ...string) error {
	var names []string
	for i := 0; i+1 < len(vars); i += 2 {
		if vars[i+1] == "" {
			names = append(names, vars[i])
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("%s needs %s", what, strings.Join(names, ", "))
}

func (c Config) validateStore() error {
	switch c.Store {
	case StoreBolt, StoreMemory:
		return nil
	case StoreDynamo:
		return missing("STORE=dynamodb", EnvTableName, c.TableName)
	case StoreTablestore:
		return missing("STORE=tablestore", EnvOTSEndpoint, c.OTSEndpoint, EnvOTSInstance, c.OTSInstance,
			EnvTableName, c.TableName, EnvAccessKeyID, c.Alibaba.AccessKeyID, EnvAccessKeySecret, c.Alibaba.AccessKeySecret)
	default:
		return fmt.Errorf("STORE=%q: want %q, %q, %q or %q", c.Store, StoreBolt, StoreMemory, StoreDynamo, StoreTablestore)
	}
}

func (c Config) validateRunner() error {
	switch c.Runner {
	case "", RunnerLocal:
		return nil
	case RunnerLambda, RunnerFC:
	default:
		return fmt.Errorf("RUNNER=%q: want %q, %q or %q", c.Runner, RunnerLocal, RunnerLambda, RunnerFC)
	}
	if !c.Shared() {
		return fmt.Errorf("RUNNER=%s runs executions in other instances and needs a shared store: STORE=%s or %s, not %q",
			c.Runner, StoreDynamo, StoreTablestore, c.Store)
	}
	if c.Runner == RunnerLambda {
		return missing("RUNNER=lambda", EnvRunnerFunction, c.RunnerFunction)
	}
	if c.FCEndpoint == "" {
		if err := missing("RUNNER=fc", EnvFCAccountID, c.FCAccountID, EnvFCRegion, c.FCRegion); err != nil {
			return fmt.Errorf("%w (or %s)", err, EnvFCEndpoint)
		}
	}
	return missing("RUNNER=fc", EnvRunnerFunction, c.RunnerFunction,
		EnvAccessKeyID, c.Alibaba.AccessKeyID, EnvAccessKeySecret, c.Alibaba.AccessKeySecret)
}
