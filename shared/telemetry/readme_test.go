package telemetry

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's telemetry tables")

const (
	readmePath  = "../../README.md"
	tablesBegin = "<!-- BEGIN telemetry tables: generated from telemetry.Spans and telemetry.Metrics by `go test ./shared/telemetry -run TestREADME_TelemetryTables -update` -->"
	tablesEnd   = "<!-- END telemetry tables -->"
)

func code(names []string) string {
	if len(names) == 0 {
		return "—"
	}
	return "`" + strings.Join(names, "`, `") + "`"
}

// markdownTables renders the span and metric tables.
func markdownTables() string {
	var b strings.Builder
	b.WriteString("| Span | Kind | Parent | Attributes |\n|---|---|---|---|\n")
	for _, s := range Spans {
		b.WriteString("| `" + s.Name + "` | " + s.Kind + " | " + s.Parent + " | " + code(s.Attributes) + " |\n")
	}
	b.WriteString("\n| Metric | Unit | Kind | Attributes | What it counts |\n|---|---|---|---|---|\n")
	for _, m := range Metrics {
		b.WriteString("| `" + m.Name + "` | `" + m.Unit + "` | " + m.Kind + " | " + code(m.Attributes) + " | " + m.Description + " |\n")
	}
	return b.String()
}

// TestREADME_TelemetryTables keeps the README's span and metric tables
// equal to Spans and Metrics.
func TestREADME_TelemetryTables(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, tablesBegin), strings.Index(readme, tablesEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q section", tablesBegin, tablesEnd)
	}
	got, want := readme[i+len(tablesBegin):j], "\n"+markdownTables()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(readmePath, []byte(readme[:i+len(tablesBegin)]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md telemetry tables differ; run go test ./shared/telemetry -run TestREADME_TelemetryTables -update\ngot:\n%s\nwant:\n%s", got, want)
}

// TestREADME_NamesTheOTELVariables checks that the section names every
// OTEL_* variable New reads.
func TestREADME_NamesTheOTELVariables(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{EnvSDKDisabled, EnvTracesExporter, EnvMetricsExporter, EnvEndpoint, EnvTracesEndpoint,
		EnvMetricsEndpoint, EnvProtocol, EnvTracesProtocol, EnvMetricsProtocol, EnvHeaders, EnvTimeout, EnvCompression} {
		if !strings.Contains(string(data), "`"+v+"`") {
			t.Errorf("README.md does not name `%s`", v)
		}
	}
}
