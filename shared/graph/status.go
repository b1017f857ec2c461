package graph

// Status is what happened to a state in one execution; package timeline
// derives it from the history (timeline.Outcome has the same values).
type Status string

// Statuses, as data-status values.
const (
	NotReached Status = "notreached" // the execution never entered the state
	Running    Status = "running"    // entered and not left
	Succeeded  Status = "succeeded"  // left normally at the first attempt
	Failed     Status = "failed"     // failed, and the failure ended the execution
	Caught     Status = "caught"     // failed, and a Catch (or an enclosing one) took over
	Retried    Status = "retried"    // succeeded after one or more retries
)

// fill is the box colour of each status.
var fill = map[Status]string{
	NotReached: "#f2f2f2",
	Running:    "#cfe3ff",
	Succeeded:  "#d4f5d4",
	Failed:     "#ffd2d2",
	Caught:     "#ffe3bf",
	Retried:    "#fff4b3",
}

// Options changes what a rendering shows. The zero value draws the plain
// flow.
type Options struct {
	// Status maps state paths to outcomes; states not in the map get no
	// data-status. A nil map draws the flow without an execution.
	Status map[string]Status
	// Notes maps state paths to a short second line, e.g. "2 retries, 1.2s".
	Notes map[string]string
}
