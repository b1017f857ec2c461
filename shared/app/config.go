package app

import (
	"fmt"
	"strconv"
	"strings"
)

// Store kinds accepted in Config.Store.
const (
	StoreBolt   = "bbolt"
	StoreMemory = "memory"
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
}

// ConfigFromEnv builds a Config from the environment variables STORE,
// DATA_DIR, CLOUDFLOW_REGION, CLOUDFLOW_WORKERS and CLOUDFLOW_MOCK_FILE, read through getenv
// (usually os.Getenv). Unset variables take their defaults; an unknown STORE
// or a CLOUDFLOW_WORKERS that is not an integer in 1..256 is an error.
// Operations is left empty for main to set.
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
	return nil
}
