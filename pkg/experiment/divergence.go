package experiment

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/theory"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
)

// Divergence says why a run diverged, as far as a replay of it measures.
type Divergence struct {
	// Step is the first step whose loss or update was not finite or passed
	// the blow-up threshold (the run's DivergedAt).
	Step int `json:"step"`
	// LastFinite is the step whose parameters LRTimesLambdaMax describes.
	LastFinite int `json:"last_finite_step"`
	// LRTimesLambdaMax is η·λmax of the training-loss Hessian at
	// θ_LastFinite, measured for full-batch GD on the whole training split
	// (nil otherwise). Gradient descent on a quadratic is stable only below 2.
	LRTimesLambdaMax *Float `json:"lr_times_lambda_max,omitempty"`
	// Layer is the first layer whose gradient norm grew 1000-fold over its
	// value at step 0 or stopped being finite, at LayerStep (empty: none
	// before the divergence).
	Layer     string `json:"layer,omitempty"`
	LayerStep int    `json:"layer_step,omitempty"`
	// Summary says it in a sentence.
	Summary string `json:"summary"`
}

// explainDivergence replays the run up to its last finite step (runs are
// deterministic given the seed) with per-layer gradient norms, then measures
// η·λmax there by Lanczos on exact Hessian-vector products.
func explainDivergence(ctx context.Context, b compute.Backend, r *Resolved, dt dtypes.DType, at int) (*Divergence, error) {
	d := &Divergence{Step: at, LastFinite: max(at-1, 0)}
	if r.Opt.FullBatchOnly() {
		d.Summary = fmt.Sprintf("%s found no finite step at iteration %d", r.Opt.Method(), at)
		return d, nil
	}
	tr, err := train.New(b, r.Model, dt, r.Spec.Seed, r.Spec.Init)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	batcher, err := data.NewBatcher(r.Regime, r.Splits.Train.N, r.Spec.Seed)
	if err != nil {
		return nil, err
	}
	trainData, chunked, err := uploadTrain(b, r, dt, batcher.Full()) // the replay evaluates nothing else
	if err != nil {
		return nil, err
	}
	out, err := tr.Run(ctx, r.Opt, batcher, train.Splits{Train: trainData}, train.Loop{Steps: d.LastFinite, BlowUp: math.Inf(1),
		LogEvery: 1, EvalEvery: math.MaxInt32, BatchLoss: true, LayerNorms: true})
	if err != nil {
		return nil, err
	}
	d.Layer, d.LayerStep = firstExploding(out.History, r.Model.LayerNames())
	if batcher.Full() && chunked == 0 && r.Opt.Method() == "gd" {
		if err := d.measureSharpness(tr, trainData, r); err != nil {
			return nil, err
		}
	}
	d.Summary = d.summary()
	return d, nil
}

// measureSharpness sets η·λmax at the replay's final parameters.
func (d *Divergence) measureSharpness(tr *train.Trainer, all *train.Data, r *Resolved) error {
	hvp, err := tr.HVP(all)
	if err != nil {
		return err
	}
	c, err := theory.Lanczos(hvp, r.Model.ParamCount(), 20, 1)
	if err != nil {
		return err
	}
	v := Float(r.Opt.LRAt(d.LastFinite) * c.L)
	d.LRTimesLambdaMax = &v
	return nil
}

// firstExploding returns the layer whose gradient norm first exceeded 1000×
// its step-0 value (or was not finite), and the step; the input-side layer
// wins a tie.
func firstExploding(h []train.Record, layers []string) (string, int) {
	if len(h) == 0 || len(h[0].LayerGradNorms) != len(layers) {
		return "", 0
	}
	base := h[0].LayerGradNorms
	for _, row := range h[1:] {
		for j, v := range row.LayerGradNorms {
			if math.IsNaN(v) || math.IsInf(v, 0) || v > 1e3*base[j] {
				return layers[j], row.Step
			}
		}
	}
	return "", 0
}

func (d *Divergence) summary() string {
	parts := []string{fmt.Sprintf("diverged at step %d", d.Step)}
	if d.LRTimesLambdaMax != nil {
		verdict := "below 2: the step was stable for the local quadratic, so the blow-up came from curvature growing along the way"
		if *d.LRTimesLambdaMax >= 2 {
			verdict = "at or above 2, where gradient descent on a quadratic diverges"
		}
		parts = append(parts, fmt.Sprintf("η·λmax = %.3g at step %d, %s", float64(*d.LRTimesLambdaMax), d.LastFinite, verdict))
	}
	if d.Layer != "" {
		parts = append(parts, fmt.Sprintf("the first layer whose gradient norm grew 1000-fold was %s, at step %d", d.Layer, d.LayerStep))
	} else {
		parts = append(parts, "no layer's gradient norm grew 1000-fold before that step")
	}
	return strings.Join(parts, "; ")
}
