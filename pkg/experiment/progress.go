package experiment

import (
	"fmt"
	"math"
	"time"
)

// progress prints step, loss and ETA every couple of seconds.
type progress struct {
	opts  Options
	total int
	name  string
	last  time.Time
	start time.Time
	shown bool
}

func newProgress(opts Options, total int, s Spec) *progress {
	return &progress{opts: opts, total: total, name: s.Part("optimizer"), start: time.Now(), last: time.Now()}
}

func (p *progress) update(step int, loss float64, wall time.Duration) {
	if p.opts.Progress == nil || time.Since(p.last) < 2*time.Second {
		return
	}
	p.last = time.Now()
	eta := "?"
	if p.total > 0 && p.total < math.MaxInt32 && step > 0 {
		el := time.Since(p.start)
		eta = (time.Duration(float64(el) * float64(p.total-step) / float64(step))).Round(time.Second).String()
	}
	total := "?"
	if p.total < math.MaxInt32 {
		total = fmt.Sprint(p.total)
	}
	line := fmt.Sprintf("%s: step %d/%s  loss %.4g  train %.1fs  ETA %s", p.name, step, total, loss, wall.Seconds(), eta)
	if p.opts.Terminal {
		fmt.Fprintf(p.opts.Progress, "\r%-90s", line)
		p.shown = true
	} else {
		fmt.Fprintln(p.opts.Progress, line)
	}
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintln(p.opts.Progress)
	}
}
