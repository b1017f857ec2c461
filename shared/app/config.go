package app

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/telemetry"
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

// Console switches accepted in Config.Console.
const (
	// ConsoleAuto serves the console on the local endpoint and not in the
	// cloud function runtimes (Config.Cloud).
	ConsoleAuto = ""
	// ConsoleOn always serves the console.
	ConsoleOn = "on"
	// ConsoleOff never serves it.
	ConsoleOff = "off"
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
	Workers    int      // most executions the local runner runs at a time, 1 to MaxWorkers, default DefaultWorkers
	MaxEvents  int      // history events per execution (interp.Options.MaxEvents); 0 = interp.DefaultMaxEvents
	// Retention is how long a finished execution is kept before it reads
	// as absent and is deleted (execution.Options.Retention); zero means
	// execution.DefaultRetention (30 days, reference 9.4).
	Retention time.Duration
	// MemoryKeep is how many finished executions the memory store keeps
	// (execution.Options.MaxFinished with STORE=memory); zero means
	// DefaultMemoryKeep.
	MemoryKeep int
	// LeaseDuration is how long a runner's lease on an execution lasts
	// unrenewed (execution.Options.LeaseDuration); zero means
	// execution.DefaultLeaseDuration. Locally it also bounds the sweep
	// interval, so a dead instance's executions are taken over soon after
	// their leases expire.
	LeaseDuration time.Duration
	// MockFile is a task mock file (package action); when set, Task states
	// are answered from it and only its Actions pass flow validation.
	MockFile string
	// EngineClock is the engine's clock (Waits, retry intervals, Task
	// timeouts, mock delays); nil means real time. CLOUDFLOW_TIME_SCALE sets
	// interp.ScaledClock.
	EngineClock interp.Clock
	// HTTPAllowHosts restricts the hosts HTTP:Request Tasks may call (see
	// action.HTTPOptions.AllowHosts); empty allows any host.
	HTTPAllowHosts []string
	// HTTPAllowRanges are address ranges HTTP:Request may reach although
	// they are not public (CLOUDFLOW_HTTP_ALLOW_RANGES).
	HTTPAllowRanges []netip.Prefix

	// AccessKeys are the keys requests must be signed with. With none, the
	// service accepts unsigned requests, all acting as auth.DefaultAccount,
	// and New logs a warning saying so.
	AccessKeys auth.Keys
	// AccessKeysSecret is the ARN of a secret holding the access keys in
	// the same format (AWS Secrets Manager or Alibaba Cloud KMS Secrets
	// Manager); New reads it once and uses it as AccessKeys, which must
	// then be empty. The value never appears in a log or an error.
	AccessKeysSecret string
	// KMSEndpoint replaces kms.<region>.aliyuncs.com for a KMS secret.
	KMSEndpoint string
	// Throttle is ThrottleAuto (default), ThrottleOn or ThrottleOff.
	Throttle string
	// LogLevel is the least level logged (LOG_LEVEL); default INFO.
	LogLevel slog.Level
	// LogFormat is LogJSON (default) or LogText (LOG_FORMAT).
	LogFormat string
	// Server bounds the connections of the HTTP hosts (platform.Serve);
	// zero fields take the documented defaults.
	Server ServerLimits
	// MaxSyncRuns caps the StartSyncExecution runs one account has in
	// flight (excess calls: 429 ResourceThrottled); zero means
	// DefaultMaxSyncRuns.
	MaxSyncRuns int
	// Console is ConsoleAuto (default), ConsoleOn or ConsoleOff: whether
	// Handler also serves the web console under /console/ (package console).
	Console string
	// Cloud is set by the platform layer when the process runs in a cloud
	// function runtime (Lambda, Function Compute); it turns ThrottleAuto on
	// and ConsoleAuto off.
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
	// Telemetry, when on, traces requests, run slices, states and Task
	// calls and records the metrics (package telemetry; main builds it
	// from the OTEL_* variables); nil is off.
	Telemetry *telemetry.Telemetry
	// MetricsAddr is where the local server also serves /metrics in the
	// Prometheus text format (CLOUDFLOW_METRICS_ADDR, -metrics-addr); empty
	// means nowhere.
	MetricsAddr string

	// FCPort is the Function Compute custom runtime's port (FC_CUSTOM_LISTEN_PORT); empty means
	// DefaultFCPort.
	FCPort string
	// FunctionTimeout is the Function Compute function's timeout (FUNCTION_TIMEOUT_S), the
	// deadline FC does not send; zero means none.
	FunctionTimeout time.Duration

	set map[string]bool // the variables ConfigFromEnv found set (IsSet)
}

// HTTPPublicOnly reports whether HTTP:Request may reach public addresses only
// (reference 7.4, decision 64): in the cloud runtimes and on any server with
// access keys; not on the local development server.
func (c Config) HTTPPublicOnly() bool { return c.Cloud || c.AccessKeys.Len() > 0 }

// Throttled reports whether the API rates are enforced: Throttle is on, or
// it is auto and the process runs in a cloud runtime.
func (c Config) Throttled() bool {
	return c.Throttle == ThrottleOn || c.Throttle == ThrottleAuto && c.Cloud
}

// ServesConsole reports whether the web console is served: Console is on, or it
// is auto and the process runs locally.
func (c Config) ServesConsole() bool {
	return c.Console == ConsoleOn || c.Console == ConsoleAuto && !c.Cloud
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
	if c.MemoryKeep == 0 {
		c.MemoryKeep = DefaultMemoryKeep
	}
	if c.LeaseDuration == 0 {
		c.LeaseDuration = execution.DefaultLeaseDuration
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
	c.Server = c.Server.WithDefaults()
	if c.MaxSyncRuns <= 0 {
		c.MaxSyncRuns = DefaultMaxSyncRuns
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
	if err := checkSecretARN(c.AccessKeysSecret); err != nil {
		return err
	}
	if c.AccessKeysSecret != "" && c.AccessKeys.Len() > 0 {
		return fmt.Errorf("%s and %s are both set: keep the keys in one place", EnvAccessKeys, EnvAccessKeysSecret)
	}
	if c.Workers < 1 || c.Workers > MaxWorkers {
		return fmt.Errorf("workers %d: want 1 to %d", c.Workers, MaxWorkers)
	}
	if c.Retention <= 0 {
		return fmt.Errorf("retention %s: want a positive duration", c.Retention)
	}
	if c.MemoryKeep < 1 || c.MemoryKeep > MaxMemoryKeep {
		return fmt.Errorf("memory keep %d: want 1 to %d", c.MemoryKeep, MaxMemoryKeep)
	}
	if c.LeaseDuration < MinLeaseDuration || c.LeaseDuration > MaxLeaseDuration {
		return fmt.Errorf("lease duration %s: want %s to %s", c.LeaseDuration, MinLeaseDuration, MaxLeaseDuration)
	}
	switch c.Throttle {
	case ThrottleAuto, ThrottleOn, ThrottleOff:
	default:
		return fmt.Errorf("throttle %q: want %q, %q or empty", c.Throttle, ThrottleOn, ThrottleOff)
	}
	switch c.Console {
	case ConsoleAuto, ConsoleOn, ConsoleOff:
	default:
		return fmt.Errorf("console %q: want %q, %q or empty", c.Console, ConsoleOn, ConsoleOff)
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
		return missing(EnvStore+"="+StoreDynamo, EnvTableName, c.TableName)
	case StoreTablestore:
		return missing(EnvStore+"="+StoreTablestore, EnvOTSEndpoint, c.OTSEndpoint, EnvOTSInstance, c.OTSInstance,
			EnvTableName, c.TableName, EnvAccessKeyID, c.Alibaba.AccessKeyID, EnvAccessKeySecret, c.Alibaba.AccessKeySecret)
	default:
		return fmt.Errorf("%s=%q: want %q, %q, %q or %q", EnvStore, c.Store, StoreBolt, StoreMemory, StoreDynamo, StoreTablestore)
	}
}

func (c Config) validateRunner() error {
	switch c.Runner {
	case "", RunnerLocal:
		return nil
	case RunnerLambda, RunnerFC:
	default:
		return fmt.Errorf("%s=%q: want %q, %q or %q", EnvRunner, c.Runner, RunnerLocal, RunnerLambda, RunnerFC)
	}
	if !c.Shared() {
		return fmt.Errorf("%s=%s runs executions in other instances and needs a shared store: %s=%s or %s, not %q",
			EnvRunner, c.Runner, EnvStore, StoreDynamo, StoreTablestore, c.Store)
	}
	if c.Runner == RunnerLambda {
		return missing(EnvRunner+"="+RunnerLambda, EnvRunnerFunction, c.RunnerFunction)
	}
	if c.FCEndpoint == "" {
		if err := missing(EnvRunner+"="+RunnerFC, EnvFCAccountID, c.FCAccountID, EnvFCRegion, c.FCRegion); err != nil {
			return fmt.Errorf("%w (or %s)", err, EnvFCEndpoint)
		}
	}
	return missing(EnvRunner+"="+RunnerFC, EnvRunnerFunction, c.RunnerFunction,
		EnvAccessKeyID, c.Alibaba.AccessKeyID, EnvAccessKeySecret, c.Alibaba.AccessKeySecret)
}
