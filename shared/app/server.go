package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Environment variables of the HTTP server limits (ServerLimits) and of the
// per-account cap on StartSyncExecution runs (Config.MaxSyncRuns).
const (
	EnvReadHeaderTimeout = "CLOUDFLOW_READ_HEADER_TIMEOUT"
	EnvReadTimeout       = "CLOUDFLOW_READ_TIMEOUT"
	EnvWriteTimeout      = "CLOUDFLOW_WRITE_TIMEOUT"
	EnvIdleTimeout       = "CLOUDFLOW_IDLE_TIMEOUT"
	EnvMaxHeaderBytes    = "CLOUDFLOW_MAX_HEADER_BYTES"
	EnvMaxConns          = "CLOUDFLOW_MAX_CONNS"
	EnvMaxSyncRuns       = "CLOUDFLOW_MAX_SYNC_RUNS"
	// EnvHTTPAllowRanges lists address ranges HTTP:Request may reach
	// although they are not public.
	EnvHTTPAllowRanges = "CLOUDFLOW_HTTP_ALLOW_RANGES"
	// EnvLogLevel and EnvLogFormat set the logs' level and format.
	EnvLogLevel  = "LOG_LEVEL"
	EnvLogFormat = "LOG_FORMAT"
)

// Log formats accepted in Config.LogFormat.
const (
	LogJSON = "json" // one JSON object per line (the default)
	LogText = "text" // slog's key=value text, for a terminal
)

// loadRanges parses CLOUDFLOW_HTTP_ALLOW_RANGES: CIDR ranges or single
// addresses, comma-separated.
func loadRanges(c *Config, v string) error {
	for _, s := range splitList(v) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return fmt.Errorf("%q is neither a CIDR range nor an address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.HTTPAllowRanges = append(c.HTTPAllowRanges, p.Masked())
	}
	return nil
}

// loadLogLevel parses LOG_LEVEL: debug, info, warn or error.
func loadLogLevel(c *Config, v string) error {
	switch strings.ToLower(v) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return errors.New("want debug, info, warn or error")
	}
	return nil
}

// loadLogFormat parses LOG_FORMAT: json or text.
func loadLogFormat(c *Config, v string) error {
	switch f := strings.ToLower(v); f {
	case LogJSON, LogText:
		c.LogFormat = f
		return nil
	}
	return errors.New("want json or text")
}

// NewLogger returns the process logger for c: LogFormat (JSON unless text)
// at LogLevel, written to w.
func (c Config) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == LogText {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Defaults of ServerLimits and Config.MaxSyncRuns.
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds reading a whole request, body included (a
	// 1 MiB body in 30 s is 35 KB/s).
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds a request from the end of its headers to
	// the end of its response: the 60 s DescribeExecution long poll
	// (WaitTimeSeconds) plus a margin. StartSyncExecution extends it to
	// SyncWriteTimeout.
	DefaultWriteTimeout = 75 * time.Second
	// SyncWriteTimeout is the write timeout of a StartSyncExecution
	// request: the 300 s Express bound (reference 9.1) plus a margin.
	SyncWriteTimeout = 315 * time.Second
	// DefaultIdleTimeout is how long an idle keep-alive connection is kept.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxHeaderBytes bounds a request's header block (query string
	// included).
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxConns caps the connections an HTTP host holds at once;
	// beyond it a connection gets a fast 503 and is closed.
	DefaultMaxConns = 1024
	// DefaultMaxSyncRuns caps the StartSyncExecution runs one account has
	// in flight; beyond it a call gets 429 ResourceThrottled.
	DefaultMaxSyncRuns = 64
)

// Bounds of the limits accepted from the environment.
const (
	maxLimitDuration  = 24 * time.Hour
	minMaxHeaderBytes = 4 << 10
	maxMaxHeaderBytes = 16 << 20
	maxMaxConns       = 1 << 20
	maxMaxSyncRuns    = 100_000
)

// ServerLimits bound what clients can hold of an HTTP host (the local
// server and the Function Compute custom runtime; Lambda's front end has its
// own). Zero fields take the defaults above (WithDefaults); a negative
// timeout means none.
type ServerLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	MaxConns          int
}

// WithDefaults returns l with every zero field set to its default.
func (l ServerLimits) WithDefaults() ServerLimits {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.ReadTimeout, DefaultReadTimeout)
	def(&l.WriteTimeout, DefaultWriteTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultMaxConns
	}
	return l
}

// loadDuration returns a Var load function that sets the duration dst points to, from 1ms to
// maxLimitDuration.
func loadDuration(dst func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxLimitDuration {
			return fmt.Errorf("want a duration from 1ms to %s, such as 30s", maxLimitDuration)
		}
		*dst(c) = d
		return nil
	}
}

// loadInt returns a Var load function that sets the integer dst points to, from lo to hi.
func loadInt(lo, hi int, dst func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want an integer from %d to %d", lo, hi)
		}
		*dst(c) = n
		return nil
	}
}

// durationBounds is the Bounds text of the loadDuration variables.
const durationBounds = "a Go duration such as `30s`, up to `24h`"
