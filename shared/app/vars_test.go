package app

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the README's configuration table from Vars")

// readmePath is the repository's README, relative to this package.
const readmePath = "../../README.md"

// The README's configuration table lies between these markers.
const (
	tableBegin = "<!-- BEGIN configuration table: generated from app.Vars by `go test ./shared/app -run TestREADME_ConfigTable -update` -->"
	tableEnd   = "<!-- END configuration table -->"
)

// markdownTable renders vars as the README's Markdown table.
func markdownTable(vars []Var) string {
	var b strings.Builder
	b.WriteString("| Variable | Meaning | Accepted | Default |\n|---|---|---|---|\n")
	cell := func(s string) string {
		if s == "" {
			return "—"
		}
		return strings.ReplaceAll(s, "|", `\|`)
	}
	for _, v := range vars {
		meaning := v.Meaning
		if v.Flag != "" {
			meaning += " The `-" + v.Flag + "` flag of `functions/local` takes precedence."
		}
		if v.Secret {
			meaning += " Never printed."
		}
		b.WriteString("| `" + v.Name + "` | " + cell(meaning) + " | " + cell(v.Bounds) + " | " + cell(v.Default) + " |\n")
	}
	return b.String()
}

func TestREADME_ConfigTable(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, tableBegin), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q section", tableBegin, tableEnd)
	}
	got := readme[i+len(tableBegin) : j]
	want := "\n" + markdownTable(Vars())
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(readmePath, []byte(readme[:i+len(tableBegin)]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md configuration table differs from app.Vars; run go test ./shared/app -run TestREADME_ConfigTable -update\ngot:\n%s\nwant:\n%s", got, want)
}

// TestVars_EveryEnvConstant checks that every Env constant of the package has exactly one row in
// the table, so no variable is read or documented outside it.
func TestVars_EveryEnvConstant(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	rows := map[string]int{}
	for _, v := range Vars() {
		rows[v.Name]++
		if v.Meaning == "" {
			t.Errorf("Vars row %s has no meaning", v.Name)
		}
	}
	consts := 0
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				spec := s.(*ast.ValueSpec)
				for i, n := range spec.Names {
					if !strings.HasPrefix(n.Name, "Env") {
						continue
					}
					consts++
					lit, ok := spec.Values[i].(*ast.BasicLit)
					if !ok {
						t.Errorf("%s is not a string literal; spell every variable name once, in its Env constant", n.Name)
						continue
					}
					name, _ := strconv.Unquote(lit.Value)
					if rows[name] != 1 {
						t.Errorf("%s (%s) has %d rows in Vars, want 1", n.Name, name, rows[name])
					}
				}
			}
		}
	}
	if consts != len(rows) {
		t.Errorf("%d Env constants, %d variables in Vars; want one constant per row", consts, len(rows))
	}
}

func TestConfigFromEnv_FunctionTimeout(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr bool
	}{
		{name: "unset", in: "", want: 0},
		{name: "minute", in: "60", want: time.Minute},
		{name: "spaces", in: " 900 ", want: 15 * time.Minute},
		{name: "day", in: "86400", want: 24 * time.Hour},
		{name: "zero", in: "0", wantErr: true},
		{name: "negative", in: "-5", wantErr: true},
		{name: "fraction", in: "1.5", wantErr: true},
		{name: "over a day", in: "86401", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(func(k string) string { return map[string]string{EnvFunctionTimeout: tc.in}[k] })
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), EnvFunctionTimeout) {
					t.Errorf("ConfigFromEnv(%s=%q) error = %v, want one naming the variable", EnvFunctionTimeout, tc.in, err)
				}
				return
			}
			if err != nil || cfg.FunctionTimeout != tc.want {
				t.Errorf("ConfigFromEnv(%s=%q) FunctionTimeout = %v, %v; want %v", EnvFunctionTimeout, tc.in, cfg.FunctionTimeout, err, tc.want)
			}
		})
	}
}

func TestConfigFromEnv_Overrides(t *testing.T) {
	env := map[string]string{EnvDataDir: "/from/env", EnvFCListenPort: " 9100 "}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name      string
		overrides map[string]string
		wantDir   string
		wantSet   bool
	}{
		{name: "environment", wantDir: "/from/env", wantSet: true},
		{name: "flag wins", overrides: map[string]string{EnvDataDir: "/from/flag"}, wantDir: "/from/flag", wantSet: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(getenv, tc.overrides)
			if err != nil || cfg.DataDir != tc.wantDir || cfg.IsSet(EnvDataDir) != tc.wantSet || cfg.FCPort != "9100" {
				t.Errorf("ConfigFromEnv() = DataDir %q, IsSet %v, FCPort %q, %v; want %q, %v, 9100", cfg.DataDir, cfg.IsSet(EnvDataDir), cfg.FCPort, err, tc.wantDir, tc.wantSet)
			}
		})
	}
	cfg, err := ConfigFromEnv(func(string) string { return "" })
	if err != nil || cfg.IsSet(EnvDataDir) || cfg.DataDir != DefaultDataDir {
		t.Errorf("ConfigFromEnv(empty) = DataDir %q, IsSet %v, %v; want the default, not set", cfg.DataDir, cfg.IsSet(EnvDataDir), err)
	}
}

func TestConfigFromEnv_SecretNotInError(t *testing.T) {
	_, err := ConfigFromEnv(func(k string) string {
		return map[string]string{EnvAccessKeys: "id-without-secret-s3cr3t"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), EnvAccessKeys) || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("ConfigFromEnv(bad keys) error = %v; want one naming %s without the value", err, EnvAccessKeys)
	}
}
