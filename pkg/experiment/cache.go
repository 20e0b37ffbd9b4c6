package experiment

import (
	"context"
	"path/filepath"

	"github.com/gomlx/compute"
)

// Cached returns the run of s stored under dir (named by a hash of the spec),
// running and storing it first if needed — the sweep's resume logic for a
// single run.
func Cached(dir string, b compute.Backend, s Spec) (*Result, error) {
	runDir := filepath.Join(dir, SpecHash(s)[:16]) // the hash's first 8 bytes
	if Finished(runDir) {
		// The sweep's rule: same result format, same spec, same data files.
		if res, _ := Reusable(runDir, s); res != nil {
			return res, nil
		}
	}
	res, err := Run(context.Background(), b, s, Options{})
	if err != nil {
		return nil, err
	}
	return res, Write(runDir, res)
}

// Column returns one history column by its history.csv name (see
// Record.Get); unknown names give NaNs.
func (r *Result) Column(name string) []float64 {
	out := make([]float64, len(r.History))
	for i, h := range r.History {
		out[i], _ = h.Get(name)
	}
	return out
}

// Gap returns train_loss − fstar per logged row.
func (r *Result) Gap(fstar float64) []float64 {
	out := r.Column("train_loss")
	for i := range out {
		out[i] -= fstar
	}
	return out
}

// Last returns the final logged row of the history (the zero Record when
// there is none): res.Last().TrainLoss is the final training loss.
func (r *Result) Last() Record {
	if len(r.History) == 0 {
		return Record{}
	}
	return r.History[len(r.History)-1]
}

// Columns is a run's history as typed columns, one per history.csv column
// (integers as float64, for plotting).
type Columns struct {
	Step, Epoch, Examples, GradEvals, WallS, LR []float64
	TrainLoss, GradNorm, UpdateNorm             []float64
	ValLoss, ValMetric, TestLoss, TestMetric    []float64
}

// Columns returns the history as typed columns.
func (r *Result) Columns() Columns {
	var c Columns
	for _, h := range r.History {
		c.Step = append(c.Step, float64(h.Step))
		c.Epoch = append(c.Epoch, h.Epoch)
		c.Examples = append(c.Examples, float64(h.Examples))
		c.GradEvals = append(c.GradEvals, float64(h.GradEvals))
		c.WallS = append(c.WallS, h.WallS)
		c.LR = append(c.LR, h.LR)
		c.TrainLoss = append(c.TrainLoss, h.TrainLoss)
		c.GradNorm = append(c.GradNorm, h.GradNorm)
		c.UpdateNorm = append(c.UpdateNorm, h.UpdateNorm)
		c.ValLoss = append(c.ValLoss, h.ValLoss)
		c.ValMetric = append(c.ValMetric, h.ValMetric)
		c.TestLoss = append(c.TestLoss, h.TestLoss)
		c.TestMetric = append(c.TestMetric, h.TestMetric)
	}
	return c
}
