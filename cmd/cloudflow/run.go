package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/flowtest"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/timeline"
)

func runCmd(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "run")
	input := fs.String("input", "", "execution input: JSON `object`, @file or @- for stdin (default {})")
	mockFile := fs.String("mock", "", "answer Task states from this mock `file` (see the README's mock section)")
	mockCase := fs.String("case", "", "use the mock file's case `name`")
	scale := fs.Float64("time-scale", 1, "run waits, retry intervals, mock delays and timeouts at this `factor` of real time; 0 skips them")
	modeFlag := fs.String("mode", "", "execution `mode`: standard or express (default: the file's ExecutionMode, else standard)")
	hist := fs.Bool("history", false, "print the history as a timeline (on stderr) when the run ends")
	pos, code, ok := parse(fs, e, args)
	if !ok {
		return code
	}
	if !wantArgs(fs, e, pos, 1, 1) {
		return exitUsage
	}
	if *scale < 0 {
		_, _ = fmt.Fprintln(e.stderr, "cloudflow run: -time-scale must be 0 or more")
		return exitUsage
	}
	file := pos[0]
	src, err := os.ReadFile(file)
	if err != nil {
		return fail(e, "run", err)
	}
	mode := *modeFlag
	if mode == "" {
		mode = fileHeader(src).mode
	}
	m, err := parseMode(mode)
	if err != nil {
		return fail(e, "run", err)
	}
	in, err := readInput(e, *input)
	if err != nil {
		return fail(e, "run", err)
	}
	clock := interp.ScaledClock(*scale)
	var mock *action.Mock
	if *mockFile != "" {
		if mock, err = action.LoadMockFile(*mockFile, clock); err != nil {
			return fail(e, "run", err)
		}
	}
	name := "run"
	if *mockCase != "" {
		if mock == nil || !slices.Contains(mock.Cases(), *mockCase) {
			var cases []string
			if mock != nil {
				cases = mock.Cases()
			}
			return fail(e, "run", fmt.Errorf("-case %q: the mock file has no such case (its cases: %v)", *mockCase, cases))
		}
		name += action.CaseSeparator + *mockCase
	}
	fl, err := flow.Parse(src, flow.ParseOptions{Mode: m})
	if err != nil {
		var is flow.Issues
		if errors.As(err, &is) {
			for _, x := range is {
				_, _ = fmt.Fprintln(e.stderr, problem{File: file, Line: x.Line, Column: x.Column, Path: x.Path, Message: x.Msg})
			}
			return exitFail
		}
		return fail(e, "run", err)
	}
	if m == flow.Express {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(float64(5*time.Minute)*max(*scale, 0.0001)))
		defer cancel()
	}
	p := newProgress(e.stderr, e.tty)
	o := flowtest.Run(ctx, fl, interp.Execution{Name: name, Input: json.RawMessage(in)}, flowtest.Options{
		Tasks: flowtest.Tasks(mock), Clock: clock, OnEvent: p.event,
	})
	p.stop()
	if *hist {
		printTimeline(e.stderr, timeline.Build(fl, fromEngine(o.Events)))
	}
	res := o.Result
	if res.Status != interp.Succeeded {
		_, _ = fmt.Fprintf(e.stderr, "%s: %s\n", res.Status, errText(res.Error, res.Cause))
		return exitFail
	}
	_, _ = fmt.Fprintln(e.stdout, string(res.Output))
	return exitOK
}

// progress shows, on a terminal, the state being run, the elapsed time and
// a Map's iterations, on one line of stderr that it rewrites.
type progress struct {
	w     io.Writer
	start time.Time

	mu         sync.Mutex
	step       string
	mapName    string
	iterations int // entered
	finished   int // exited
	done       chan struct{}
	wg         sync.WaitGroup
}

func newProgress(w io.Writer, tty bool) *progress {
	p := &progress{w: w, start: time.Now()}
	if !tty {
		return p
	}
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *progress) event(ev interp.Event) {
	if p.done == nil {
		return
	}
	p.mu.Lock()
	switch ev.Type {
	case interp.StepEntered:
		p.step = ev.StepName
	case interp.IterationEntered:
		if p.mapName != ev.StepName {
			p.mapName, p.iterations, p.finished = ev.StepName, 0, 0
		}
		p.iterations++
	case interp.IterationExited:
		p.finished++
	}
	p.mu.Unlock()
	p.draw()
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := fmt.Sprintf("▸ %s  %s", p.step, short(time.Since(p.start)))
	if p.mapName != "" {
		line += fmt.Sprintf("  (Map %s: %d done, %d started)", p.mapName, p.finished, p.iterations)
	}
	_, _ = fmt.Fprintf(p.w, "\r\033[K%s", line)
}

func (p *progress) stop() {
	if p.done == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	_, _ = fmt.Fprint(p.w, "\r\033[K")
}
