// Package train owns bgdlab's training step and loop: a model's parameters
// in a GoMLX store, its data uploaded to the backend once, one compiled step
// (full batch or mini-batch, any first-order optimizer), the line-search path
// (Armijo, L-BFGS) on the same model, and a loop with stop rules (budget in
// steps or seconds, target loss or metric, gradient tolerance, divergence)
// that logs a typed history and reports progress to an observer.
//
// The experiment runner, notebooks (through pkg/lab) and the benchmarks all
// train through it.
package train

import (
	"math"

	"github.com/bgdlab/bgdlab/pkg/optim"
)

// Record is one logged row of a run's history. Row k describes the
// parameters after k updates; NaN marks values not measured on that row.
type Record struct {
	Step  int     `json:"step"`
	Epoch float64 `json:"epoch"`
	// Examples counts examples through a gradient and GradEvals gradient
	// evaluations (for first-order steps one per update; two with gd's
	// gradient-norm penalty, which takes a second gradient per step).
	Examples  int64 `json:"examples"`
	GradEvals int64 `json:"grad_evals"`
	// WallS is training time only (evaluation excluded), since the start.
	WallS      float64 `json:"wall_s"`
	LR         float64 `json:"lr"`
	TrainLoss  float64 `json:"train_loss"`
	GradNorm   float64 `json:"grad_norm"`
	UpdateNorm float64 `json:"update_norm"`
	ValLoss    float64 `json:"val_loss"`
	ValMetric  float64 `json:"val_metric"`
	TestLoss   float64 `json:"test_loss"`
	TestMetric float64 `json:"test_metric"`
	// LayerGradNorms are per-layer gradient norms (when Loop.LayerNorms).
	LayerGradNorms []float64 `json:"layer_grad_norms,omitempty"`
}

// Outcome is what a loop returns: the history and why it stopped.
type Outcome struct {
	History []Record
	Status  optim.Status
	// Detail says what triggered the status (which target, which value).
	Detail string
	// DivergedAt is the first step whose loss or update was not finite (or
	// above the blow-up threshold); nil unless Status is Diverged.
	DivergedAt *int
	// Steps is the number of updates made.
	Steps int
}

// Get returns a record's value by its history.csv column name; ok is false
// for unknown names.
func (h Record) Get(name string) (v float64, ok bool) {
	switch name {
	case "step":
		return float64(h.Step), true
	case "epoch":
		return h.Epoch, true
	case "examples":
		return float64(h.Examples), true
	case "grad_evals":
		return float64(h.GradEvals), true
	case "wall_s":
		return h.WallS, true
	case "lr":
		return h.LR, true
	case "train_loss":
		return h.TrainLoss, true
	case "grad_norm":
		return h.GradNorm, true
	case "update_norm":
		return h.UpdateNorm, true
	case "val_loss":
		return h.ValLoss, true
	case "val_metric":
		return h.ValMetric, true
	case "test_loss":
		return h.TestLoss, true
	case "test_metric":
		return h.TestMetric, true
	}
	return math.NaN(), false
}
