package experiment

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/theory"
	"github.com/bgdlab/bgdlab/pkg/train"
)

// SharpnessPoint is λmax of the training-loss Hessian measured at the
// parameters before update Step (Spec.SharpnessEvery).
type SharpnessPoint struct {
	Step      int   `json:"step"`
	LambdaMax Float `json:"lambda_max"`
}

// sharpnessObserver returns the loop's observer that measures λmax into
// res.Sharpness (nil when the spec asks for none): 20 Lanczos iterations on
// the trainer's exact Hessian-vector products over the whole training split
// d, the start vector seeded by the step (k+1).
func sharpnessObserver(tr *train.Trainer, d *train.Data, r *Resolved, res *Result) (func(int) error, error) {
	if r.Spec.SharpnessEvery == 0 {
		return nil, nil
	}
	if res.FullBatchChunk > 0 {
		return nil, fmt.Errorf("spec: sharpness_every needs the whole training split at once, but its full batch is summed over chunks of %d (set chunk=-1 if it fits in memory)", res.FullBatchChunk)
	}
	hvp, err := tr.HVP(d)
	if err != nil {
		return nil, err
	}
	n := r.Model.ParamCount()
	return func(k int) error {
		c, err := theory.Lanczos(hvp, n, 20, uint64(k)+1)
		if err != nil {
			return fmt.Errorf("sharpness at step %d: %w", k, err)
		}
		res.Sharpness = append(res.Sharpness, SharpnessPoint{Step: k, LambdaMax: Float(c.L)})
		return nil
	}, nil
}
