package app

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

// Store kinds accepted in Config.Store.
const (
	StoreBolt   = "bbolt"
	StoreMemory = "memory"
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
	// EnvAccessKeys holds the access keys, id:secret[@account][,…] (see
	// auth.ParseKeys); empty accepts unsigned requests.
	EnvAccessKeys = "CLOUDFLOW_ACCESS_KEYS"
	// EnvThrottle is on, off or empty (ThrottleAuto).
	EnvThrottle = "CLOUDFLOW_THROTTLE"
	// EnvRates overrides API rates, e.g. "StartExecution=200/100,Default=20/5"
	// (see throttle.ParseLimits).
	EnvRates = throttle.EnvVar
)

// Defaults applied by ConfigFromEnv and New to zero Config fields.
const (
	DefaultDataDir = ".cloudflow-data"
	DefaultRegion  = "cn-hangzhou"
	DefaultWorkers = 4
	maxWorkers     = 256
)

// Config is the service configuration, built once by main.
type Config struct {
	Store      string   // "bbolt" (default) | "memory"
	DataDir    string   // bbolt directory, default ".cloudflow-data"
	Region     string   // default "cn-hangzhou"
	Operations []string // Actions served; empty = all (functions/local); one entry in per-operation binaries
	Workers    int      // Standard runner goroutines, default 4
	// MockFile is a task mock file (package action); when set, Task states
	// are answered from it and only its Actions pass flow validation.
	MockFile string

	// AccessKeys are the keys requests must be signed with. With none, the
	// service accepts unsigned requests, all acting as auth.DefaultAccount,
	// and New logs a warning saying so.
	AccessKeys auth.Keys
	// Throttle is ThrottleAuto (default), ThrottleOn or ThrottleOff.
	Throttle string
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
// DATA_DIR, CLOUDFLOW_REGION, CLOUDFLOW_WORKERS, CLOUDFLOW_MOCK_FILE,
// CLOUDFLOW_ACCESS_KEYS, CLOUDFLOW_THROTTLE and CLOUDFLOW_API_RATES, read
// through getenv (usually
// os.Getenv). Unset variables take their defaults. It returns an error for
// an unknown STORE, a CLOUDFLOW_WORKERS that is not an integer in 1..256, a
// malformed key list (the error never contains a secret), a
// CLOUDFLOW_THROTTLE other than on/off (or true/false, 1/0) and a malformed
// rate override. Operations and Cloud are left for main to set.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Store:    strings.TrimSpace(getenv("STORE")),
		DataDir:  strings.TrimSpace(getenv("DATA_DIR")),
		Region:   strings.TrimSpace(getenv("CLOUDFLOW_REGION")),
		MockFile: strings.TrimSpace(getenv("CLOUDFLOW_MOCK_FILE")),
	}
	if w := strings.TrimSpace(getenv("CLOUDFLOW_WORKERS")); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > maxWorkers {
			return Config{}, fmt.Errorf("CLOUDFLOW_WORKERS=%q: want an integer from 1 to %d", w, maxWorkers)
		}
		cfg.Workers = n
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
	switch c.Store {
	case StoreBolt, StoreMemory:
	default:
		return fmt.Errorf("STORE=%q: want %q or %q", c.Store, StoreBolt, StoreMemory)
	}
	if c.Workers < 1 || c.Workers > maxWorkers {
		return fmt.Errorf("workers %d: want 1 to %d", c.Workers, maxWorkers)
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
