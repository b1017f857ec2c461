package flow

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const hdr = "Type: StateMachine\nSpecVersion: v1\nName: demo\n"

func TestParse_Valid(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
		src  string
		chk  func(t *testing.T, f *Flow)
	}{
		{
			name: "smallest flow (reference 3.1)",
			src:  hdr + "StartAt: Only\nStates:\n  - Name: Only\n    Type: Pass\n    End: true\n",
			chk: func(t *testing.T, f *Flow) {
				if f.Name() != "demo" || f.Mode() != Standard || f.Timeout() != 0 || len(f.Root().States) != 1 {
					t.Errorf("flow = %+v", f)
				}
			},
		},
		{
			name: "JSON is accepted",
			src:  `{"Type":"StateMachine","SpecVersion":"v1","StartAt":"A","Timeout":30,"States":[{"Name":"A","Type":"Pass","End":true}]}`,
			chk: func(t *testing.T, f *Flow) {
				if f.Timeout() != 30*time.Second {
					t.Errorf("Timeout() = %v, want 30s", f.Timeout())
				}
			},
		},
		{
			name: "transitions are resolved to indexes",
			src: hdr + `StartAt: A
States:
  - {Name: B, Type: Succeed}
  - Name: A
    Type: Choice
    Branches: [{Condition: $Input.x == 1, Next: B}]
    Default: C
  - {Name: C, Type: Task, Action: "FC:InvokeFunction", Timeout: "45", Catch: [{Errors: [FnF.ALL], Next: B}], Next: B}
`,
			chk: func(t *testing.T, f *Flow) {
				r := f.Root()
				a, c := r.States[1], r.States[2]
				if r.Start != 1 || a.Choices[0].Next != 0 || a.Default != 2 || c.Next != 0 || c.Catch[0].Next != 0 {
					t.Errorf("resolution wrong: start %d, choice %d default %d next %d catch %d", r.Start, a.Choices[0].Next, a.Default, c.Next, c.Catch[0].Next)
				}
				if c.Timeout != 45*time.Second || c.TaskMode != RequestComplete || c.Path != "States[2](C)" {
					t.Errorf("task = %+v", c)
				}
			},
		},
		{
			name: "Retry defaults and Delay formula",
			src: hdr + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: FC:InvokeFunction
    Retry:
      - {Errors: [E], MaxAttempts: 4, IntervalSeconds: 1, BackoffRate: 2, MaxBackoffSeconds: 10}
      - {Errors: [FnF.ALL], MaxAttempts: 0, IntervalSeconds: 3}
    End: true
`,
			chk: func(t *testing.T, f *Flow) {
				r := f.Root().States[0].Retry
				got := []time.Duration{r[0].Delay(1), r[0].Delay(2), r[0].Delay(3), r[0].Delay(4), r[0].Delay(5), r[1].Delay(3)}
				want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 3 * time.Second}
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("Delay #%d = %v, want %v", i, got[i], want[i])
					}
				}
				if r[1].BackoffRate != 1 || !r[1].Matches("anything") || r[0].Matches("other") {
					t.Errorf("rule 1 = %+v", r[1])
				}
			},
		},
		{
			name: "Map misspelling MaxConcuccency and defaults",
			src: hdr + `StartAt: M
States:
  - {Name: M, Type: Map, ItemsPath: $Input.xs, MaxConcuccency: 8, Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}, Next: N}
  - {Name: N, Type: Map, ItemsPath: $Input.xs, ProcessorConfig: {ExecutionMode: Express}, Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}, End: true}
`,
			chk: func(t *testing.T, f *Flow) {
				m, n := f.Root().States[0], f.Root().States[1]
				if m.MaxConcurrency != 8 || m.Distributed || n.MaxConcurrency != MaxDistributedMapConcurrency || !n.Distributed || n.MaxItems != DefaultDistributedMaxItems {
					t.Errorf("maps = %+v / %+v", m, n)
				}
			},
		},
		{
			name: "Express flow with matching ExecutionMode",
			mode: Express,
			src:  hdr + "ExecutionMode: Express\nTimeout: 300\nStartAt: W\nStates:\n  - {Name: W, Type: Wait, Seconds: 20, End: true}\n",
			chk: func(t *testing.T, f *Flow) {
				if f.Mode() != Express || f.Root().States[0].Seconds != 20 {
					t.Errorf("flow mode %s seconds %d", f.Mode(), f.Root().States[0].Seconds)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.src), ParseOptions{Name: "demo", Mode: tc.mode})
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			tc.chk(t, f)
		})
	}
}

// wantIssue is an expected issue: its path and a fragment of its message.
type wantIssue struct{ path, msg string }

func TestParse_Invalid(t *testing.T) {
	pass := "  - {Name: A, Type: Pass, End: true}\n"
	tests := []struct {
		name string
		mode Mode
		opts ParseOptions
		src  string
		want []wantIssue
	}{
		{name: "legacy with empty steps", src: "version: v1\ntype: flow\nsteps: []\n", want: []wantIssue{{"steps", "steps must be a non-empty list"}}},
		{name: "both headers", src: "Type: StateMachine\ntype: flow\nversion: v1\n", want: []wantIssue{{"", "mixes"}}},
		{name: "no header", src: "StartAt: A\n", want: []wantIssue{{"", "unknown definition format"}}},
		{name: "not YAML", src: "Type: [StateMachine\n", want: []wantIssue{{"", "invalid YAML"}}},
		{name: "empty", src: "", want: []wantIssue{{"", "empty"}}},
		{name: "name mismatch", src: "Type: StateMachine\nSpecVersion: v1\nName: other\nStartAt: A\nStates:\n" + pass, want: []wantIssue{{"Name", "does not match"}}},
		{name: "wrong mode", src: hdr + "ExecutionMode: Express\nStartAt: A\nStates:\n" + pass, want: []wantIssue{{"ExecutionMode", "does not match"}}},
		{name: "flow timeout range", src: hdr + "Timeout: 0\nStartAt: A\nStates:\n" + pass, want: []wantIssue{{"Timeout", "between 1 and 31536000"}}},
		{name: "express flow timeout", mode: Express, src: hdr + "Timeout: 301\nStartAt: A\nStates:\n" + pass, want: []wantIssue{{"Timeout", "between 1 and 300"}}},
		{name: "unknown top-level field", src: hdr + "Comment: x\nStartAt: A\nStates:\n" + pass, want: []wantIssue{{"Comment", "unknown field"}}},
		{
			name: "expression fields need a YAML string",
			src: hdr + `StartAt: W
States:
  - {Name: W, Type: Wait, Seconds.$: 5, Next: T}
  - {Name: T, Type: Task, Action: "FC:InvokeFunction", Timeout.$: 5, Next: C}
  - {Name: C, Type: Choice, Branches: [{Condition: true, Next: M}], Default: M}
  - Name: M
    Type: Map
    ItemsPath: 5
    Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}
    End: true
`,
			want: []wantIssue{
				{"States[0](W).Seconds.$", "must be a string"},
				{"States[1](T).Timeout.$", "must be a string"},
				{"States[2](C).Branches[0].Condition", "must be a string"},
				{"States[3](M).ItemsPath", "must be a string"},
			},
		},
		{
			name: "several problems at once",
			src: hdr + `StartAt: Missing
States:
  - {Name: A, Type: Pass}
  - {Name: A, Type: Pass, End: true, Next: A}
  - {Name: B, Type: Pass, ResultPath: $.x, End: true}
  - {Name: C, Type: Choice, Branches: [{Condition: $Input.a == 1, Next: Nowhere}]}
`,
			want: []wantIssue{
				{"StartAt", `"Missing" does not exist`},
				{"States[0](A)", "needs Next or End"},
				{"States[1](A).Name", "duplicate state name"},
				{"States[1](A)", "both Next and End"},
				{"States[2](B).ResultPath", "ResultPath"},
				{"States[3](C).Branches[0].Next", `"Nowhere" does not exist`},
				{"States[3](C).Default", "needs a Default"},
			},
		},
		{
			name: "unreachable state",
			src:  hdr + "StartAt: A\nStates:\n" + pass + "  - {Name: B, Type: Pass, End: true}\n",
			want: []wantIssue{{"States[1](B)", "unreachable"}},
		},
		{
			name: "ASL and old fields",
			src: hdr + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: FC:InvokeFunction
    OnErrors: []
    Retry: [{ErrorEquals: [x], Errors: [x], MaxAttempts: 1, IntervalSeconds: 1}]
    End: true
`,
			want: []wantIssue{{"States[0](T).OnErrors", "use Retry and Catch"}, {"States[0](T).Retry[0].ErrorEquals", "Errors"}},
		},
		{
			name: "Pass with Parameters, Choice with OutputConstructor, Fail without Detail",
			src: hdr + `StartAt: P
States:
  - {Name: P, Type: Pass, Parameters: {a: 1}, Next: C}
  - {Name: C, Type: Choice, OutputConstructor: {a: 1}, Branches: [{Condition: $Input.a == 1, Next: F}], Default: F}
  - {Name: F, Type: Fail, Code: X}
`,
			want: []wantIssue{{"States[0](P).Parameters", "unknown field"}, {"States[1](C).OutputConstructor", "not allowed"}, {"States[2](F).Detail", "needs a Detail"}},
		},
		{
			name: "Wait and Task ranges",
			mode: Express,
			src: hdr + `StartAt: W
States:
  - {Name: W, Type: Wait, Seconds: 21, Next: T}
  - {Name: T, Type: Task, Action: FC:InvokeFunction, TaskMode: WaitForCustomCallback, Timeout: "604801", Next: U}
  - {Name: U, Type: Task, Action: NoColon, TaskMode: Bogus, End: true}
`,
			want: []wantIssue{
				{"States[0](W).Seconds", "between 1 and 20"},
				{"States[1](T).TaskMode", "not allowed in Express"},
				{"States[1](T).Timeout", "0 to 604800"},
				{"States[2](U).Action", "<Service>:<ApiName>"},
				{"States[2](U).TaskMode", "must be RequestComplete"},
			},
		},
		{
			name: "unknown action",
			opts: ParseOptions{KnownAction: func(a string) bool { return a == "FC:InvokeFunction" }},
			src:  hdr + "StartAt: T\nStates:\n  - {Name: T, Type: Task, Action: \"HTTP:Request\", End: true}\n",
			want: []wantIssue{{"States[0](T).Action", "not supported"}},
		},
		{
			name: "Retry and Catch fields",
			src: hdr + `StartAt: T
States:
  - Name: T
    Type: Task
    Action: FC:InvokeFunction
    Retry:
      - {Errors: [], MaxAttempts: -1, IntervalSeconds: 86401, BackoffRate: 0.5, MaxBackoffSeconds: 0}
    Catch:
      - {Errors: [FnF.ALL]}
    End: true
`,
			want: []wantIssue{
				{"States[0](T).Retry[0].Errors", "must not be empty"},
				{"States[0](T).Retry[0].MaxAttempts", "between 0"},
				{"States[0](T).Retry[0].IntervalSeconds", "between 0 and 86400"},
				{"States[0](T).Retry[0].BackoffRate", "at least 1"},
				{"States[0](T).Retry[0].MaxBackoffSeconds", "between 1 and 86400"},
				{"States[0](T).Catch[0].Next", "Next is required"},
			},
		},
		{
			name: "Parallel branches and nested scope errors",
			src: hdr + `StartAt: P
States:
  - Name: P
    Type: Parallel
    Branches:
      - StartAt: X
        States:
          - {Name: Y, Type: Pass, Next: Outside}
    Next: Q
  - {Name: Q, Type: Parallel, Branches: [], End: true}
`,
			want: []wantIssue{
				{"States[0](P).Branches[0].StartAt", `"X" does not exist`},
				{"States[0](P).Branches[0].States[0](Y).Next", `"Outside" does not exist`},
				{"States[1](Q).Branches", "1 to 50 branches"},
			},
		},
		{
			name: "Map rules",
			src: hdr + `StartAt: M
States:
  - Name: M
    Type: Map
    MaxConcurrency: 41
    MaxConcuccency: 2
    MaxItems: 5
    ItemReader: {}
    Processor:
      StartAt: P
      States:
        - {Name: P, Type: Pass, GlobalConstructor: {a: 1}, End: true}
    Next: N
  - {Name: N, Type: Map, ItemsPath: $Input.x, MaxConcurrency: 41, Processor: {StartAt: P, States: [{Name: P, Type: Pass, End: true}]}, End: true}
`,
			want: []wantIssue{
				{"States[0](M).MaxConcuccency", "not both"},
				{"States[0](M).MaxItems", "only in distributed mode"},
				{"States[0](M).ItemReader", "not supported"},
				{"States[0](M).ItemsPath", "needs ItemsPath"},
				{"States[0](M).Processor.States[0](P).GlobalConstructor", "not allowed inside a Map Processor"},
				{"States[1](N).MaxConcurrency", "between 0 and 40"},
			},
		},
		{
			name: "expressions compile with the field's variables",
			src: hdr + `StartAt: A
States:
  - Name: A
    Type: Pass
    InputConstructor: {x.$: $Output.y}
    OutputConstructor: {z.$: nosuchfunc(1)}
    Next: C
  - Name: C
    Type: Choice
    Branches: [{Condition: $Item == 1, Next: D}]
    Default: D
  - {Name: D, Type: Wait, Seconds.$: $Output.s, End: true}
`,
			want: []wantIssue{
				{"States[0](A).InputConstructor.x.$", ""},
				{"States[0](A).OutputConstructor.z.$", ""},
				{"States[1](C).Branches[0].Condition", "invalid condition"},
				{"States[2](D).Seconds.$", "invalid expression"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Name = "demo"
			if tc.mode != "" {
				opts.Mode = tc.mode
			}
			f, err := Parse([]byte(tc.src), opts)
			if f != nil || err == nil {
				t.Fatalf("Parse() = %v, %v; want issues", f, err)
			}
			var is Issues
			if !errors.As(err, &is) {
				t.Fatalf("error %T is not Issues", err)
			}
			for _, w := range tc.want {
				found := false
				for _, i := range is {
					if i.Path == w.path && strings.Contains(i.Msg, w.msg) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("missing issue %s: %q\ngot: %v", w.path, w.msg, err)
				}
			}
			if len(is) != len(tc.want) {
				t.Errorf("got %d issues, want %d: %v", len(is), len(tc.want), err)
			}
		})
	}
}

func TestParse_Invalid_LocatesIssues(t *testing.T) {
	src := hdr + "StartAt: A\nStates:\n  - Name: A\n    Type: Pass\n    End: true\n    Comment: hi\n"
	_, err := Parse([]byte(src), ParseOptions{})
	var is Issues
	if !errors.As(err, &is) || len(is) != 1 {
		t.Fatalf("Parse() error = %v, want one issue", err)
	}
	if is[0].Line != 9 || is[0].Column != 5 || is[0].Path != "States[0](A).Comment" {
		t.Errorf("issue = %+v, want line 9 column 5 path States[0](A).Comment", is[0])
	}
}

func TestParse_Invalid_CapsIssues(t *testing.T) {
	var b strings.Builder
	b.WriteString(hdr + "StartAt: S0\nStates:\n")
	for i := range 200 {
		b.WriteString("  - {Name: S" + itoa(i) + ", Type: Pass}\n")
	}
	_, err := Parse([]byte(b.String()), ParseOptions{})
	var is Issues
	if !errors.As(err, &is) || len(is) != MaxIssues {
		t.Fatalf("got %d issues, want %d", len(is), MaxIssues)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestParse_Limits(t *testing.T) {
	deep := hdr + "StartAt: A\nStates:\n  - {Name: A, Type: Pass, End: true, InputConstructor: " + strings.Repeat("{a: ", 100) + "1" + strings.Repeat("}", 100) + "}\n"
	if _, err := Parse([]byte(deep), ParseOptions{}); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("deep definition: error = %v, want a nesting error", err)
	}
	big := make([]byte, MaxDefinitionSize+1)
	if _, err := Parse(big, ParseOptions{}); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("big definition: error = %v, want a size error", err)
	}
	alias := hdr + "StartAt: A\nStates:\n  - &s {Name: A, Type: Pass, End: true}\n  - *s\n"
	if _, err := Parse([]byte(alias), ParseOptions{}); err == nil || !strings.Contains(err.Error(), "aliases") {
		t.Errorf("alias: error = %v, want an alias error", err)
	}
}
