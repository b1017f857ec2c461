package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version or VCS revision from the build info is shown.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "devel-" + s.Value[:12]
			}
		}
	}
	return "devel"
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the check, run or call failed
	exitUsage = 2 // bad command line
)

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e env, args []string) int
	client              bool // reads the service's environment variables
}

func commands() []command {
	return []command{
		{"validate", "FILE...", "check flow files offline; every problem as FILE:LINE:COL: STATE.PATH: message", validateCmd, false},
		{"graph", "FILE", "draw a flow as SVG, Mermaid or DOT; with -execution, an execution's states by outcome", graphCmd, true},
		{"run", "FILE", "run a flow file once in process on the real engine; exit 0 only when it succeeds", runCmd, false},
		{"test", "[PATH...]", "run test files (*.test.yaml): cases with inputs, mocks and expectations", testCmd, false},
		{"apply", "FILE...", "create or update flows on the service from definition files", applyCmd, true},
		{"start", "FLOW", "start a Standard execution (StartExecution)", startCmd, true},
		{"sync", "FLOW", "run an Express execution and print its output (StartSyncExecution)", syncCmd, true},
		{"describe", "FLOW EXECUTION", "show an execution; -wait until it ends; a failure's error and cause", describeCmd, true},
		{"history", "FLOW EXECUTION", "an execution's history as a readable timeline; -json for the raw events", historyCmd, true},
		{"list", "[FLOW]", "list flows, or the executions of FLOW", listCmd, true},
		{"stop", "FLOW EXECUTION", "stop an execution (StopExecution)", stopCmd, true},
		{"report-success", "TOKEN", "report a callback task succeeded (ReportTaskSucceeded)", reportSuccessCmd, true},
		{"report-failure", "TOKEN", "report a callback task failed (ReportTaskFailed)", reportFailureCmd, true},
	}
}

// clientEnv lists the environment variables the client commands read.
const clientEnv = `Environment (client commands):
  CLOUDFLOW_ENDPOINT               the service, e.g. http://127.0.0.1:8080 (default); a
                                   host[:port] without scheme uses https, except loopback
  ALIBABA_CLOUD_ACCESS_KEY_ID      access key the requests are signed with
  ALIBABA_CLOUD_ACCESS_KEY_SECRET  (both unset: requests are sent unsigned, as a local
                                   server without CLOUDFLOW_ACCESS_KEYS accepts)
`

func usage(w io.Writer) {
	_, _ = fmt.Fprintf(w, "cloudflow %s: validate, draw, run and test flows; drive a CloudFlow service\n\n", versionString())
	_, _ = fmt.Fprintln(w, "Usage: cloudflow COMMAND [flags] [args]   (flags may follow the arguments)")
	_, _ = fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		_, _ = fmt.Fprintf(w, "  %-15s %-16s %s\n", c.name, c.args, c.summary)
	}
	_, _ = fmt.Fprintln(w, "\nFlags:\n  -h         this help; cloudflow COMMAND -h lists a command's flags\n  -version   print the version")
	_, _ = fmt.Fprint(w, "\n"+clientEnv)
}

// Main runs the command line in e and returns the exit code.
func Main(ctx context.Context, e env) int {
	if len(e.args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch e.args[0] {
	case "-h", "-help", "--help", "help":
		usage(e.stdout)
		return exitOK
	case "-version", "--version", "version":
		_, _ = fmt.Fprintf(e.stdout, "cloudflow %s\n", versionString())
		return exitOK
	}
	for _, c := range commands() {
		if c.name == e.args[0] {
			return c.run(ctx, e, e.args[1:])
		}
	}
	_, _ = fmt.Fprintf(e.stderr, "cloudflow: unknown command %q\n\n", e.args[0])
	usage(e.stderr)
	return exitUsage
}

// newFlags returns a flag set for a command whose -h prints its synopsis,
// its flags and, for client commands, the environment variables.
func newFlags(e env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var c command
	for _, x := range commands() {
		if x.name == name {
			c = x
		}
	}
	fs.Usage = func() {
		w := fs.Output()
		_, _ = fmt.Fprintf(w, "Usage: cloudflow %s [flags] %s\n\n%s\n", name, c.args, c.summary)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			_, _ = fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
		if c.client {
			_, _ = fmt.Fprint(w, "\n"+clientEnv)
		}
	}
	return fs
}

// parse parses flags given before, between or after the positional
// arguments and returns the positional ones. It returns ok=false with the
// exit code when parsing stopped (-h or an error).
func parse(fs *flag.FlagSet, e env, args []string) (pos []string, code int, ok bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return nil, exitOK, false
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), 0, true
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// wantArgs checks the number of positional arguments.
func wantArgs(fs *flag.FlagSet, e env, pos []string, lo, hi int) bool {
	if len(pos) < lo || (hi >= 0 && len(pos) > hi) {
		what := fmt.Sprintf("%d", lo)
		switch {
		case hi < 0:
			what = fmt.Sprintf("at least %d", lo)
		case hi != lo:
			what = fmt.Sprintf("%d to %d", lo, hi)
		}
		_, _ = fmt.Fprintf(e.stderr, "cloudflow %s: want %s argument(s), got %d\n", fs.Name(), what, len(pos))
		fs.Usage()
		return false
	}
	return true
}

// readInput reads a -input value: JSON text, or @file, or @- for stdin.
// Empty means {}.
func readInput(e env, s string) (string, error) {
	var b []byte
	switch {
	case s == "":
		return "{}", nil
	case s == "@-":
		var err error
		if b, err = io.ReadAll(e.stdin); err != nil {
			return "", fmt.Errorf("read input from stdin: %w", err)
		}
	case strings.HasPrefix(s, "@"):
		var err error
		if b, err = os.ReadFile(s[1:]); err != nil {
			return "", fmt.Errorf("read input: %w", err)
		}
	default:
		b = []byte(s)
	}
	t := strings.TrimSpace(string(b))
	if !strings.HasPrefix(t, "{") {
		return "", fmt.Errorf("-input: want a JSON object, got %.40q", t)
	}
	return t, nil
}
