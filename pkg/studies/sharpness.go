package studies

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/bgdlab/bgdlab/pkg/theory"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute/dtypes"
)

// SharpnessRun is one full-batch GD run with its sharpness measured along
// the way: λmax of the training-loss Hessian (Lanczos on exact
// Hessian-vector products) every few steps, against the stability limit
// 2/η of a quadratic.
type SharpnessRun struct {
	LR     float64
	Status train.Status
	// Steps and LambdaMax are the measurements; Loss is the training loss
	// at every step.
	Steps, LambdaMax []float64
	Loss             []float64
}

// sharpnessSetup is the network: a one-hidden-layer tanh MLP (64 units) on
// 1 000 Fashion-MNIST images, float64, full batch.
func sharpnessSetup(s *Env) (*models.Model, *data.Dataset, error) {
	sp, err := data.FashionMNIST{Subset: 1000, TestSubset: 100, Val: spec.ZeroInt, Standardize: true}.Load()
	if err != nil {
		return nil, nil, fmt.Errorf("%w (the sharpness study needs Fashion-MNIST: scripts/setup installs it)", err)
	}
	m, err := models.New(models.MLP{Hidden: []int{64}, Act: models.Tanh})
	if err != nil {
		return nil, nil, err
	}
	return m, sp.Train, m.Bind(sp.Train)
}

// SharpnessAlongTraining runs full-batch GD at each step size for nSteps
// steps, measuring λmax every `every` steps (20 Lanczos iterations).
func SharpnessAlongTraining(s *Env, lrs []float64, nSteps, every int) ([]SharpnessRun, error) {
	m, d, err := sharpnessSetup(s)
	if err != nil {
		return nil, err
	}
	return alongTraining(s, m, d, lrs, nSteps, every)
}

func alongTraining(s *Env, m *models.Model, d *data.Dataset, lrs []float64, nSteps, every int) ([]SharpnessRun, error) {
	var out []SharpnessRun
	for _, lr := range lrs {
		run, err := sharpnessRun(s, m, d, lr, nSteps, every)
		if err != nil {
			return nil, err
		}
		out = append(out, run)
	}
	return out, nil
}

// InitialSharpness is λmax at the initialization SharpnessAlongTraining
// starts from.
func InitialSharpness(s *Env) (float64, error) {
	m, d, err := sharpnessSetup(s)
	if err != nil {
		return 0, err
	}
	return initialSharpness(s, m, d)
}

func initialSharpness(s *Env, m *models.Model, d *data.Dataset) (float64, error) {
	tr, all, err := sharpnessTrainer(s, m, d)
	if err != nil {
		return 0, err
	}
	defer tr.Close()
	hvp, err := tr.HVP(all)
	if err != nil {
		return 0, err
	}
	c, err := theory.Lanczos(hvp, m.ParamCount(), 20, 1)
	return c.L, err
}

func sharpnessTrainer(s *Env, m *models.Model, d *data.Dataset) (*train.Trainer, *train.Data, error) {
	tr, err := train.New(s.Backend, m, dtypes.Float64, 1, "")
	if err != nil {
		return nil, nil, err
	}
	all, err := train.Upload(s.Backend, d, dtypes.Float64, d.N, true)
	if err != nil {
		tr.Close()
	}
	return tr, all, err
}

func sharpnessRun(s *Env, m *models.Model, d *data.Dataset, lr float64, nSteps, every int) (SharpnessRun, error) {
	run := SharpnessRun{LR: lr}
	tr, all, err := sharpnessTrainer(s, m, d)
	if err != nil {
		return run, err
	}
	defer tr.Close()
	hvp, err := tr.HVP(all)
	if err != nil {
		return run, err
	}
	observe := func(k int) error {
		c, err := theory.Lanczos(hvp, m.ParamCount(), 20, uint64(k)+1)
		if err != nil {
			return err
		}
		run.Steps, run.LambdaMax = append(run.Steps, float64(k)), append(run.LambdaMax, c.L)
		return nil
	}
	batcher, err := data.NewBatcher(data.Regime{Kind: "full"}, d.N, 1)
	if err != nil {
		return run, err
	}
	s.logf("sharpness: full-batch GD at lr=%g, %d steps, λmax every %d", lr, nSteps, every)
	out, err := tr.Run(s.Ctx, optim.MustNew(optim.GD{LR: lr}), batcher, train.Splits{Train: all},
		train.Loop{Steps: nSteps, BlowUp: 1e6, LogEvery: 1, EvalEvery: nSteps, Observe: observe, ObserveEvery: every})
	if err != nil {
		return run, err
	}
	run.Status = out.Status
	for _, r := range out.History {
		run.Loss = append(run.Loss, r.TrainLoss)
	}
	return run, nil
}

// Sharpness tracks λmax along full-batch GD on a neural network, at step
// sizes chosen relative to the sharpness at initialization, and checks
// "BGD iterations are stable" there.
func Sharpness(s *Env) (Study, error) {
	sec := Study{Title: "7. Sharpness along training: is BGD stable on a neural network?",
		Intro: "On a quadratic, GD is stable exactly when η < 2/λmax. On neural networks the Hessian changes as the weights move; full-batch GD is reported to drive λmax up to about 2/η and then hover there (Cohen et al., 2021, “Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability”). A one-hidden-layer tanh MLP (64 units) on 1 000 Fashion-MNIST images, full-batch GD in float64 at step sizes η = c·2/λmax(θ₀) for c = 0.5 and 0.9 (below the quadratic limit at the start) and c = 1.5 (above it, for contrast); λmax of the training-loss Hessian by 20 Lanczos iterations on exact Hessian-vector products every few steps."}
	nSteps, every := 200, 20
	if s.Full {
		nSteps, every = 1500, 25
	}
	m, d, err := sharpnessSetup(s) // Fashion-MNIST read once for all runs
	if err != nil {
		return sec, err
	}
	l0, err := initialSharpness(s, m, d)
	if err != nil {
		return sec, err
	}
	fractions := []float64{0.5, 0.9, 1.5}
	var lrs []float64
	for _, c := range fractions {
		lrs = append(lrs, c*2/l0)
	}
	runs, err := alongTraining(s, m, d, lrs, nSteps, every)
	if err != nil {
		return sec, err
	}
	if err := writeSharpnessCSV(s, runs); err != nil {
		return sec, err
	}
	table := Table{Caption: fmt.Sprintf("λmax at initialization %s. For each η: the largest λmax measured, as a fraction of 2/η, and the training loss.", g(l0)),
		Header: []string{"η", "2/η", "max λmax after step 0", "its fraction of 2/η", "loss rose at a step", "first loss", "final loss", "status"}}
	var series []plots.Series
	for i, r := range runs {
		maxL, rises := maxOf(r.LambdaMax[1:]), countRises(r.Loss)
		table.Rows = append(table.Rows, []string{g(r.LR), g(2 / r.LR), g(maxL), fmt.Sprintf("%.2f", maxL*r.LR/2), fmt.Sprint(rises), g(r.Loss[0]), g(r.Loss[len(r.Loss)-1]), string(r.Status)})
		col := plots.Palette[i%len(plots.Palette)]
		series = append(series, plots.Series{Name: fmt.Sprintf("λmax, η = %s", g(r.LR)), X: r.Steps, Y: r.LambdaMax, Color: col},
			plots.Series{Name: fmt.Sprintf("2/η = %s", g(2/r.LR)), X: []float64{0, float64(nSteps)}, Y: []float64{2 / r.LR, 2 / r.LR}, Color: col, Dashed: true})
	}
	sec.Tables = append(sec.Tables, table)
	p := plots.Curves("Full-batch GD on an MLP: sharpness λmax vs step (dashed: 2/η)", "step", "λmax of the training-loss Hessian", false, series...)
	fig, err := s.figure(p, "sharpness", "λmax along training for three step sizes; dashed lines are the quadratic stability limits 2/η.")
	if err != nil {
		return sec, err
	}
	sec.Figures = append(sec.Figures, fig)
	sec.Claims = append(sec.Claims, sharpnessClaim(runs, l0))
	return sec, nil
}

// sharpnessClaim judges "BGD iterations are stable" on the network from the
// runs whose step starts below the quadratic limit (η < 2/λmax(θ₀)): refuted
// when one of them diverged or its loss rose at some step; nuanced when the
// loss fell throughout but λmax rose to the edge (≥ 0.95·2/η after step 0);
// supported otherwise. Runs above the limit are reported as contrast.
func sharpnessClaim(runs []SharpnessRun, l0 float64) Claim {
	claim := Claim{Statement: "“BGD iterations are stable and never diverge.” (a neural network, full-batch GD with η below 2/λmax at initialization)", Figure: "sharpness"}
	var ev []string
	unstable, edge := false, false
	for _, r := range runs {
		rises, frac := countRises(r.Loss), maxOf(r.LambdaMax[1:])*r.LR/2
		below := r.LR < 2/l0
		ev = append(ev, fmt.Sprintf("η = %s (%s 2/λmax(θ₀)): max λmax·η/2 after step 0 = %.2f, loss rose at %d of %d steps, %s",
			g(r.LR), map[bool]string{true: "below", false: "above"}[below], frac, rises, len(r.Loss)-1, r.Status))
		if below {
			unstable = unstable || r.Status == train.Diverged || rises > 0
			edge = edge || frac >= 0.95
		}
	}
	switch {
	case unstable:
		claim.Verdict = Refuted
	case edge:
		claim.Verdict = Nuanced
	default:
		claim.Verdict = Supported
	}
	claim.Evidence = strings.Join(ev, "; ") + "."
	return claim
}

// countRises counts the steps at which the loss went up (by more than
// 10⁻¹² relative, rounding aside).
func countRises(loss []float64) int {
	n := 0
	for i := 1; i < len(loss); i++ {
		if loss[i] > loss[i-1]*(1+1e-12) || math.IsNaN(loss[i]) {
			n++
		}
	}
	return n
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

// writeSharpnessCSV keeps the measurements with the report's raw results.
func writeSharpnessCSV(s *Env, runs []SharpnessRun) error {
	var b bytes.Buffer
	b.WriteString("lr,step,lambda_max\n")
	for _, r := range runs {
		for i := range r.Steps {
			fmt.Fprintf(&b, "%.17g,%g,%.17g\n", r.LR, r.Steps[i], r.LambdaMax[i])
		}
	}
	return atomicfile.Write(filepath.Join(s.Results, "sharpness", "sharpness.csv"), b.Bytes())
}
