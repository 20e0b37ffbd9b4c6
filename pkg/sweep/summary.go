package sweep

import (
	"bytes"
	"encoding/csv"
	"math"
	"path/filepath"
	"strconv"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/optim"

	"github.com/bgdlab/bgdlab/pkg/stats"
	"github.com/bgdlab/bgdlab/pkg/train"
)

// SummaryMetrics are the final values summarized per configuration.
var SummaryMetrics = []string{"train_loss", "val_loss", "val_metric", "best_val_metric", "test_loss", "test_metric", "wall_s", "epoch"}

// Summary is one row of summary.csv.
type Summary struct {
	Config    string
	Optimizer string
	Params    map[string]string
	Runs      int
	Diverged  int
	Stats     map[string]stats.Summary
	// TimeToTarget stats (seconds, epochs, grad evals) over the runs that
	// reached the sweep's target loss; Reached counts them.
	Reached int
	TTT     map[string]stats.Summary
	// Planned is the number of runs the sweep plans for this configuration
	// (WriteSummaries sets it); fewer Runs means the row is incomplete: an
	// interrupted sweep or a partial merge.
	Planned int
}

// Summaries groups results by configuration, in first-appearance order.
func Summaries(c *Config, plans []Plan, results []*experiment.Result) []Summary {
	idx := map[string]int{}
	var out []Summary
	values := map[string]map[string][]float64{}
	ttt := map[string]map[string][]float64{}
	for i, r := range results {
		p := plans[i]
		j, ok := idx[p.Config]
		if !ok {
			j = len(out)
			idx[p.Config] = j
			out = append(out, Summary{Config: p.Config, Optimizer: p.Spec.Optimizer.Method(), Params: p.Params})
			values[p.Config] = map[string][]float64{}
			ttt[p.Config] = map[string][]float64{}
		}
		out[j].Runs++
		if r.Status == optim.Diverged {
			out[j].Diverged++
		}
		for _, m := range SummaryMetrics {
			v, ok := r.Final.Get(m)
			if !ok || r.Status == optim.Diverged {
				v = math.NaN()
			}
			values[p.Config][m] = append(values[p.Config][m], v)
		}
		if c != nil && c.TargetLoss != nil {
			if t, ok := train.TimeToTarget(r.History, "train_loss", *c.TargetLoss, true); ok {
				out[j].Reached++
				ttt[p.Config]["seconds"] = append(ttt[p.Config]["seconds"], t.Seconds)
				ttt[p.Config]["epochs"] = append(ttt[p.Config]["epochs"], t.Epoch)
				ttt[p.Config]["grad_evals"] = append(ttt[p.Config]["grad_evals"], float64(t.GradEvals))
				ttt[p.Config]["steps"] = append(ttt[p.Config]["steps"], float64(t.Step))
			}
		}
	}
	for j := range out {
		out[j].Stats = map[string]stats.Summary{}
		for _, m := range SummaryMetrics {
			out[j].Stats[m] = stats.Summarize(values[out[j].Config][m])
		}
		out[j].TTT = map[string]stats.Summary{}
		for _, k := range []string{"seconds", "epochs", "grad_evals", "steps"} {
			out[j].TTT[k] = stats.Summarize(ttt[out[j].Config][k])
		}
	}
	return out
}

// Best returns, per optimizer, the configuration with the best mean
// validation loss (or metric, per c.Select) among those with no diverged
// run; test values are reported, never used to select.
func Best(c *Config, sums []Summary) []Summary {
	key, lower := "val_loss", true
	if c != nil && c.Select == "val_metric" {
		key, lower = "val_metric", false
	}
	best := map[string]int{}
	var order []string
	for i, s := range sums {
		v := s.Stats[key].Mean
		if s.Diverged > 0 || math.IsNaN(v) {
			continue
		}
		j, ok := best[s.Optimizer]
		if !ok {
			order = append(order, s.Optimizer)
			best[s.Optimizer] = i
			continue
		}
		w := sums[j].Stats[key].Mean
		if (lower && v < w) || (!lower && v > w) {
			best[s.Optimizer] = i
		}
	}
	var out []Summary
	for _, o := range order {
		out = append(out, sums[best[o]])
	}
	return out
}

// WriteSummaries writes summary.csv (every configuration) and best.csv (the
// best configuration per optimizer) from the finished results of plans,
// out of the planned runs of the sweep: a configuration with fewer finished
// runs than planned is marked complete=false (with its planned count), so an
// interrupted sweep or a partial merge never passes for a whole one.
func WriteSummaries(out string, c *Config, planned, plans []Plan, results []*experiment.Result) error {
	want := map[string]int{}
	for _, p := range planned {
		want[p.Config]++
	}
	sums := Summaries(c, plans, results)
	for i := range sums {
		sums[i].Planned = want[sums[i].Config]
	}
	if err := writeSummaryCSV(filepath.Join(out, "summary.csv"), sums); err != nil {
		return err
	}
	return writeSummaryCSV(filepath.Join(out, "best.csv"), Best(c, sums))
}

func writeSummaryCSV(path string, sums []Summary) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"config", "optimizer", "runs", "diverged"}
	for _, m := range SummaryMetrics {
		header = append(header, m+"_mean", m+"_std", m+"_ci95")
	}
	header = append(header, "reached_target", "ttt_seconds_mean", "ttt_seconds_ci95", "ttt_epochs_mean", "ttt_grad_evals_mean", "planned", "complete")
	w.Write(header)
	for _, s := range sums {
		row := []string{s.Config, s.Optimizer, strconv.Itoa(s.Runs), strconv.Itoa(s.Diverged)}
		for _, m := range SummaryMetrics {
			st := s.Stats[m]
			row = append(row, experiment.CSVFloat(st.Mean), experiment.CSVFloat(st.Std), experiment.CSVFloat(st.CI95))
		}
		row = append(row, strconv.Itoa(s.Reached), experiment.CSVFloat(s.TTT["seconds"].Mean), experiment.CSVFloat(s.TTT["seconds"].CI95),
			experiment.CSVFloat(s.TTT["epochs"].Mean), experiment.CSVFloat(s.TTT["grad_evals"].Mean), strconv.Itoa(s.Planned), strconv.FormatBool(s.Runs >= s.Planned))
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}
