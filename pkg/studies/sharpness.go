package studies

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/bgdlab/bgdlab/pkg/sweep"
	"github.com/bgdlab/bgdlab/pkg/theory"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute/dtypes"
)

// SharpnessRun is one full-batch GD run with its sharpness measured along
// the way: λmax of the training-loss Hessian (Lanczos on exact
// Hessian-vector products) every few steps, against the stability limit
// 2/η of a quadratic.
type SharpnessRun struct {
	LR float64
	// Momentum is the heavy-ball β (0: plain GD).
	Momentum float64
	Status   optim.Status
	// Steps and LambdaMax are the measurements; Loss is the training loss
	// at every step.
	Steps, LambdaMax []float64
	Loss             []float64
}

// Edge is the run's stability limit on λmax: 2(1+β)/η, the quadratic's
// limit for heavy ball (theory.HeavyBallStableStep read as a bound on λ),
// 2/η for plain GD.
func (r SharpnessRun) Edge() float64 { return theory.HeavyBallStableStep(r.LR, r.Momentum) }

// sharpnessStep is one run's step size and momentum.
type sharpnessStep struct{ lr, momentum float64 }

// config is the run's optimizer: GD, or heavy ball when momentum > 0.
func (st sharpnessStep) config() optim.Config {
	if st.momentum > 0 {
		return optim.Momentum{LR: st.lr, Momentum: st.momentum}
	}
	return optim.GD{LR: st.lr}
}

// sharpnessNet is a network of the study, by its data and model
// configurations, and the results folder of its runs.
type sharpnessNet struct {
	id    string
	data  data.Config
	model models.Config
}

// crossEntropyNet is a one-hidden-layer tanh MLP (64 units) on 1 000
// Fashion-MNIST images (cross-entropy), float64, full batch.
var crossEntropyNet = sharpnessNet{"sharpness/cross-entropy",
	data.FashionMNIST{Subset: 1000, TestSubset: 100, Val: spec.ZeroInt, Standardize: true},
	models.MLP{Hidden: []int{64}, Act: models.Tanh}}

// setup loads the network's data and binds its model (for λmax at θ₀).
func (net sharpnessNet) setup() (*models.Model, *data.Dataset, error) {
	sp, err := experiment.LoadData(net.data)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (the sharpness study needs it: scripts/setup installs Fashion-MNIST)", err)
	}
	m, err := models.New(net.model)
	if err != nil {
		return nil, nil, err
	}
	return m, sp.Train, m.Bind(sp.Train)
}

// SharpnessAlongTraining runs full-batch GD on the cross-entropy network at
// each step size for nSteps steps, measuring λmax every `every` steps.
func SharpnessAlongTraining(s *Env, lrs []float64, nSteps, every int) ([]SharpnessRun, error) {
	var steps []sharpnessStep
	for _, lr := range lrs {
		steps = append(steps, sharpnessStep{lr: lr})
	}
	return alongTraining(s, crossEntropyNet, steps, nSteps, every)
}

// alongTraining runs the steps on net as a sweep (run.json per run, resumed
// like every study's runs), λmax measured by the runs themselves
// (experiment.Spec.SharpnessEvery).
func alongTraining(s *Env, net sharpnessNet, steps []sharpnessStep, nSteps, every int) ([]SharpnessRun, error) {
	c := &sweep.Config{Name: net.id, Seeds: []uint64{1},
		Base: experiment.Spec{Data: net.data, Model: net.model, Batch: data.FullBatch, Steps: nSteps, DType: "float64",
			LogEvery: 1, EvalEvery: nSteps, SharpnessEvery: every}}
	for _, st := range steps {
		s.logf("sharpness: full-batch GD at lr=%g, momentum %g, %d steps, λmax every %d", st.lr, st.momentum, nSteps, every)
		c.Optimizers = append(c.Optimizers, st.config().String())
	}
	plans, results, err := s.sweep(net.id, c)
	if err != nil {
		return nil, err
	}
	var out []SharpnessRun
	for i, st := range steps {
		if got := plans[i].Spec.Optimizer.String(); got != c.Optimizers[i] {
			return nil, fmt.Errorf("sharpness: run %d is %s, want %s", i, got, c.Optimizers[i])
		}
		res := results[i]
		run := SharpnessRun{LR: st.lr, Momentum: st.momentum, Status: res.Status}
		for _, p := range res.Sharpness {
			run.Steps, run.LambdaMax = append(run.Steps, float64(p.Step)), append(run.LambdaMax, float64(p.LambdaMax))
		}
		for _, r := range res.History {
			run.Loss = append(run.Loss, r.TrainLoss)
		}
		out = append(out, run)
	}
	return out, nil
}

// InitialSharpness is λmax at the initialization SharpnessAlongTraining
// starts from.
func InitialSharpness(s *Env) (float64, error) {
	m, d, err := crossEntropyNet.setup()
	if err != nil {
		return 0, err
	}
	return initialSharpness(s, m, d)
}

// initialSharpness is λmax at θ₀ (the runs' seed 1), by the same 20 Lanczos
// iterations from the same start vector as a run's measurement at step 0.
func initialSharpness(s *Env, m *models.Model, d *data.Dataset) (float64, error) {
	tr, err := train.New(s.Backend, m, dtypes.Float64, 1, "")
	if err != nil {
		return 0, err
	}
	defer tr.Close()
	all, err := train.Upload(s.Backend, d, dtypes.Float64, d.N, true)
	if err != nil {
		return 0, err
	}
	hvp, err := tr.HVP(all)
	if err != nil {
		return 0, err
	}
	c, err := theory.Lanczos(hvp, m.ParamCount(), 20, 1)
	return c.L, err
}

// Sharpness tracks λmax along full-batch GD on a neural network, at step
// sizes chosen relative to the sharpness at initialization, and checks
// "BGD iterations are stable" there.
func Sharpness(s *Env) (Study, error) {
	sec := Study{Title: "7. Sharpness along training: is BGD stable on a neural network?",
		Intro: "On a quadratic, GD is stable exactly when η < 2/λmax. On neural networks the Hessian changes as the weights move; full-batch GD is reported to drive λmax up to about 2/η and then hover there (Cohen et al., 2021, “Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability”). A one-hidden-layer tanh MLP (64 units) on 1 000 Fashion-MNIST images (cross-entropy), full-batch GD in float64 at step sizes η = c·2/λmax(θ₀) for c = 0.5 and 0.9 (below the quadratic limit at the start) and c = 1.5 (above it, for contrast); λmax of the training-loss Hessian by 20 Lanczos iterations on exact Hessian-vector products every few steps. With momentum β the quadratic's limit is 2(1+β)/η: the same MLP with a squared loss (its sharpness rises as it trains, where cross-entropy's falls with the loss) runs GD and heavy ball (β = 0.8) set to the same edge value, to see which edge heavy ball's sharpness finds."}
	nSteps, every, edgeSteps, edgeEvery := 200, 20, 1500, 75
	if s.Full {
		nSteps, every, edgeSteps, edgeEvery = 1500, 25, 3000, 100
	}
	m, d, err := crossEntropyNet.setup()
	if err != nil {
		return sec, err
	}
	l0, err := initialSharpness(s, m, d)
	if err != nil {
		return sec, err
	}
	var steps []sharpnessStep
	for _, c := range []float64{0.5, 0.9, 1.5} {
		steps = append(steps, sharpnessStep{lr: c * 2 / l0})
	}
	runs, err := alongTraining(s, crossEntropyNet, steps, nSteps, every)
	if err != nil {
		return sec, err
	}
	sq, sqL0, err := momentumEdge(s, edgeSteps, edgeEvery)
	if err != nil {
		return sec, err
	}
	if err := writeSharpnessCSV(s, runs, sq); err != nil {
		return sec, err
	}
	sec.Tables = append(sec.Tables, sharpnessTable(runs, l0))
	p := plots.Curves("Full-batch GD on an MLP: sharpness λmax vs step (dashed: the edge 2/η)", "step", "λmax of the training-loss Hessian", false, sharpnessSeries(runs, nSteps)...)
	fig, err := s.figure(p, "sharpness", "λmax along training for three step sizes of full-batch GD on the cross-entropy network; dashed lines are the quadratic stability limits 2/η.")
	if err != nil {
		return sec, err
	}
	sec.Figures = append(sec.Figures, fig)
	sec.Claims = append(sec.Claims, sharpnessClaim(runs, l0))
	return momentumEdgeSection(s, sec, sq, sqL0, edgeSteps)
}

func sharpnessTable(runs []SharpnessRun, l0 float64) Table {
	table := Table{Caption: fmt.Sprintf("λmax at initialization %s. For each run: the largest λmax measured after step 0, as a fraction of its edge 2(1+β)/η (2/η for GD), and the training loss.", g(l0)),
		Header: []string{"η", "β", "edge 2(1+β)/η", "max λmax after step 0", "its fraction of the edge", "loss rose at a step", "first loss", "final loss", "status"}}
	for _, r := range runs {
		maxL := maxOf(r.LambdaMax[1:])
		table.Rows = append(table.Rows, []string{g(r.LR), g(r.Momentum), g(r.Edge()), g(maxL), fmt.Sprintf("%.2f", maxL/r.Edge()), fmt.Sprint(countRises(r.Loss)), g(r.Loss[0]), g(r.Loss[len(r.Loss)-1]), string(r.Status)})
	}
	return table
}

func sharpnessSeries(runs []SharpnessRun, nSteps int) []plots.Series {
	var series []plots.Series
	for i, r := range runs {
		col := plots.Palette[i%len(plots.Palette)]
		name, edge := fmt.Sprintf("λmax, GD η = %s", g(r.LR)), fmt.Sprintf("2/η = %s", g(r.Edge()))
		if r.Momentum > 0 {
			name, edge = fmt.Sprintf("λmax, heavy ball η = %s, β = %g", g(r.LR), r.Momentum), fmt.Sprintf("2(1+β)/η = %s", g(r.Edge()))
		}
		series = append(series, plots.Series{Name: name, X: r.Steps, Y: r.LambdaMax, Color: col},
			plots.Series{Name: edge, X: []float64{0, float64(nSteps)}, Y: []float64{r.Edge(), r.Edge()}, Color: col, Dashed: true})
	}
	return series
}

// momentumEdgeClaim judges "heavy ball's edge of stability is 2(1+β)/η,
// not GD's 2/η" from the momentum runs, by where the sharpness settles (the
// mean λmax over the last third of the measurements): supported when it
// settles within [0.8, 1.1]·2(1+β)/η and above 2/η; refuted when it stays
// stable above 1.1·2(1+β)/η, or settles at GD's edge ([0.8, 1.1]·2/η)
// instead; nuanced when the run diverged or the sharpness settled far below
// both edges (the edge not reached, so not measured).
func momentumEdgeClaim(runs []SharpnessRun) Claim {
	claim := Claim{Statement: "“With momentum β, full-batch GD's edge of stability is 2(1+β)/η, above plain GD's 2/η.” (Cohen et al. 2021; heavy ball started above its edge on a squared-loss network, whose sharpness rises as it trains)", Figure: "sharpness_momentum"}
	var ev []string
	verdicts, below := map[Verdict]bool{}, false
	for _, r := range runs {
		if r.Momentum == 0 || len(r.LambdaMax) < 2 {
			continue
		}
		settled, gdEdge := settledSharpness(r.LambdaMax[1:]), 2/r.LR
		ev = append(ev, fmt.Sprintf("η = %s, β = %g (λmax(θ₀)·η/(2(1+β)) = %.2f): λmax settles at %s, %.2f × 2/η and %.2f × 2(1+β)/η; %s", g(r.LR), r.Momentum, r.LambdaMax[0]/r.Edge(), g(settled), settled/gdEdge, settled/r.Edge(), r.Status))
		switch {
		case r.Status == optim.Diverged:
			verdicts[Nuanced] = true
		case settled > 1.1*r.Edge() || (settled >= 0.8*gdEdge && settled <= 1.1*gdEdge && 1.1*gdEdge < 0.8*r.Edge()):
			verdicts[Refuted] = true
		case settled >= 0.8*r.Edge() && settled > gdEdge:
			verdicts[Supported] = true
		default:
			verdicts[Nuanced], below = true, true
		}
	}
	switch {
	case len(ev) == 0:
		claim.Verdict, ev = Nuanced, []string{"no momentum run"}
	case verdicts[Refuted]:
		claim.Verdict = Refuted
	case verdicts[Nuanced]:
		claim.Verdict = Nuanced
	default:
		claim.Verdict = Supported
	}
	claim.Evidence = strings.Join(ev, "; ") + "."
	if claim.Verdict == Nuanced && below {
		claim.Evidence += " The sharpness settles below its edge, so the run does not reach it and the threshold is not measured here."
	}
	return claim
}

// settledSharpness is the mean of the last third of the measurements.
func settledSharpness(lambda []float64) float64 {
	tail := lambda[len(lambda)-max(1, len(lambda)/3):]
	var sum float64
	for _, l := range tail {
		sum += l
	}
	return sum / float64(len(tail))
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
		if r.Momentum != 0 {
			continue // momentumEdgeClaim's
		}
		rises, frac := countRises(r.Loss), maxOf(r.LambdaMax[1:])*r.LR/2
		below := r.LR < 2/l0
		ev = append(ev, fmt.Sprintf("η = %s (%s 2/λmax(θ₀)): max λmax·η/2 after step 0 = %.2f, loss rose at %d of %d steps, %s",
			g(r.LR), map[bool]string{true: "below", false: "above"}[below], frac, rises, len(r.Loss)-1, r.Status))
		if below {
			unstable = unstable || r.Status == optim.Diverged || rises > 0
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

// writeSharpnessCSV keeps the measurements with the report's raw results:
// the cross-entropy network's runs and the squared-loss network's.
func writeSharpnessCSV(s *Env, crossEntropy, squared []SharpnessRun) error {
	var b bytes.Buffer
	b.WriteString("network,lr,momentum,step,lambda_max\n")
	for k, runs := range [][]SharpnessRun{crossEntropy, squared} {
		for _, r := range runs {
			for i := range r.Steps {
				fmt.Fprintf(&b, "%s,%.17g,%g,%g,%.17g\n", []string{"cross-entropy", "squared"}[k], r.LR, r.Momentum, r.Steps[i], r.LambdaMax[i])
			}
		}
	}
	return atomicfile.Write(filepath.Join(s.Results, "sharpness", "sharpness.csv"), b.Bytes())
}
