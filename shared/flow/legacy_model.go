package flow

import (
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
)

// Legacy FDL limits and defaults (reference 8.1).
const (
	// LegacyMaxForeachConcurrency is how many foreach iterations run at once.
	LegacyMaxForeachConcurrency = 100
	// LegacyMaxWait is the longest wait step (2 days).
	LegacyMaxWait = 2 * 24 * time.Hour
	// LegacyMaxDataBytes bounds input + output + local of one step (32 KiB).
	LegacyMaxDataBytes = 32 << 10

	legacyRetryInterval    = 1     // seconds
	legacyRetryMaxInterval = 86400 // seconds
	legacyRetryAttempts    = 3
	legacyRetryMultiplier  = 2
)

// legacyIO holds the flow-level mappings of a legacy flow.
type legacyIO struct {
	in, out *eval.Template
}

// LegacyMappings returns the flow-level inputMappings and outputMappings of a
// legacy flow; each is nil when absent (the default applies: the execution
// input is the flow input, and the flow's $local is the execution output).
func (f *Flow) LegacyMappings() (in, out *eval.Template) { return f.legacyIO.in, f.legacyIO.out }

// LegacyResult says how a legacy task's raw result becomes the step's $local.
type LegacyResult uint8

// Legacy task results.
const (
	// ResultAsIs uses the task output unchanged (FNF:StartExecution).
	ResultAsIs LegacyResult = iota
	// ResultBody uses the Body of the FC:InvokeFunction output.
	ResultBody
)

// LegacyStep is what a legacy step adds to its State. Mapping templates are
// compiled with eval.Options.Legacy: $input is the step input (or the parent
// input for InputMappings) and $local the step's (or the parent's) $local.
// Every nil template means "use the default" of reference 8.2.
type LegacyStep struct {
	InputMappings  *eval.Template
	OutputMappings *eval.Template
	ErrorMappings  *eval.Template // task: applied when a catch fires
	// NoDefaultOutput is set on parallel and foreach steps: without
	// OutputMappings their output is {}.
	NoDefaultOutput bool

	// Task: how the raw result becomes $local.
	Result LegacyResult

	// Choice: ChoiceSteps[i] are the inline steps of choice i (nil when it
	// has none); DefaultSteps those of the default. The targets (goto, or the
	// next step in order) are State.Choices[i].Next and State.Default.
	ChoiceSteps  []*Scope
	DefaultSteps *Scope

	// Foreach: the collection (a path on $input), the key that receives the
	// element and the optional key that receives its index. The body is
	// State.Processor.
	Collection *eval.Expr
	Item       string
	Index      string

	// Wait: exactly one of the four is set.
	Duration      time.Duration
	DurationExpr  *eval.Expr
	Timestamp     time.Time
	TimestampExpr *eval.Expr
	HasTimestamp  bool
	// MinWait and MaxWait bound the duration, and MaxWait how far ahead the
	// timestamp may be: 0 to LegacyMaxWait, or the Express Wait bound
	// (1 to 20 seconds) in an Express flow.
	MinWait, MaxWait time.Duration
}
