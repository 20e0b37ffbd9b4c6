package lab

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/stats"
)

// Method is one way to train in a comparison: a name, the optimizer at a
// learning rate, the batch size (0: full batch) and the ascending,
// log-spaced learning-rate grid to tune over.
type Method struct {
	Name  string
	Opt   func(lr float64) optim.Config
	Batch int
	LRs   []float64
}

// Comparison is what Compare returns: each method tuned under the report's
// protocol, in the order given.
type Comparison struct {
	Model   models.Config
	Methods []Method
	Tuned   []*Tuned
	// Metric names the model's metric ("accuracy", "iou", …).
	Metric string
}

// Compare tunes every method on d and m for the budget b with Tune (the
// report's protocol: rates chosen on the tuning seed by the final
// validation metric, the tuned rate rerun on the reporting seeds), in
// float32, logging and evaluating about once per epoch (every step at full
// batch; the training loss of a mini-batch run is its batches'). opts are
// added to every run.
func Compare(d data.Config, m models.Config, methods []Method, b Budget, opts ...Option) (*Comparison, error) {
	sp, err := experiment.LoadData(d) // shared with the runs below
	if err != nil {
		return nil, fmt.Errorf("lab.Compare: %w", err)
	}
	c := &Comparison{Model: m, Methods: methods}
	for _, me := range methods {
		o := append([]Option{Float32(), LogEvery(1)}, opts...)
		if me.Batch > 0 {
			o = append([]Option{Float32(), Batch(me.Batch), LogEvery(max(1, sp.Train.N/me.Batch)), BatchTrainLoss()}, opts...)
		}
		t, err := Tune(d, m, me.Opt, me.LRs, b, o...)
		if err != nil {
			return nil, fmt.Errorf("lab.Compare: %s: %w", me.Name, err)
		}
		c.Tuned = append(c.Tuned, t)
		c.Metric = t.Best.Metric
	}
	return c, nil
}

// MustCompare is Compare for notebook cells: it panics on an error.
func MustCompare(d data.Config, m models.Config, methods []Method, b Budget, opts ...Option) *Comparison {
	c, err := Compare(d, m, methods, b, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

// Test is the named method's test metric on the reporting seeds (a NaN
// summary for a name not compared).
func (c *Comparison) Test(name string) stats.Summary {
	for i, me := range c.Methods {
		if me.Name == name {
			return c.Tuned[i].Test
		}
	}
	return stats.Summarize(nil)
}

// Table is the comparison as text: per method the tuned rate, the rates
// tried, the test metric on the reporting seeds (mean ± 95% interval) and
// the updates of one run; a rate still on an edge of its grid says so.
func (c *Comparison) Table() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-22s %8s  %-28s %-20s %7s\n", "method", "tuned lr", "rates tried (tuning seed)", "test "+c.Metric, "updates")
	for i, me := range c.Methods {
		t := c.Tuned[i]
		tried := strings.Trim(fmt.Sprint(t.LRs), "[]")
		fmt.Fprintf(&sb, "%-22s %8g  %-28s %-20s %7d", me.Name, t.LR, tried, fmt.Sprintf("%.4f ± %.4f", t.Test.Mean, t.Test.CI95), t.Reports[0].Steps)
		if t.OnEdge() {
			fmt.Fprintf(&sb, "  (still on the edge after %d extensions)", t.Extended)
		}
		sb.WriteByte('\n')
	}
	fmt.Fprintf(&sb, "(test %s: mean ± 95%% interval over %d reporting seeds)\n", c.Metric, c.Tuned[0].Test.N)
	return sb.String()
}

// Curves plots each method's validation metric per epoch, on the first
// reporting seed, at its tuned rate.
func (c *Comparison) Curves(title string) *plot.Plot {
	names, runs := make([]string, len(c.Methods)), make([]*experiment.Result, len(c.Methods))
	for i, me := range c.Methods {
		names[i], runs[i] = fmt.Sprintf("%s, lr %g", me.Name, c.Tuned[i].LR), c.Tuned[i].Reports[0]
	}
	return ValCurves(title, names, runs)
}

// ValCurves plots runs' validation metric per epoch, one curve per name.
func ValCurves(title string, names []string, runs []*experiment.Result) *plot.Plot {
	var series []plots.Series
	metric := ""
	for i, r := range runs {
		col := r.Columns()
		series = append(series, plots.Series{Name: names[i], X: col.Epoch, Y: col.ValMetric})
		metric = r.Metric
	}
	return plots.Curves(title, "epoch", "validation "+metric, false, series...)
}

// Describe is one line about a finished run: its updates, training seconds
// and final test metric.
func Describe(r *experiment.Result) string {
	col := r.Columns()
	return fmt.Sprintf("%d steps, %.1f s of training: test %s %.4f", r.Steps, col.WallS[len(col.WallS)-1], r.Metric, r.Last().TestMetric)
}
