package optim_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"
)

// quadratic is f(θ) = ½ θᵀAθ with A = Q·diag(λ)·Qᵀ, eigenvalues spread
// geometrically in [μ, L] and a random rotation Q; its minimizer is 0.
type quadratic struct {
	d     int
	a     []float64 // row-major
	l, mu float64
}

func newQuadratic(seed uint64, d int, mu, l float64) quadratic {
	rng := rand.New(rand.NewPCG(seed, 3))
	m := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(m)
	var q mat.Dense
	qr.QTo(&q)
	lam := mat.NewDiagDense(d, nil)
	for i := 0; i < d; i++ {
		lam.SetDiag(i, mu*math.Pow(l/mu, float64(i)/float64(d-1)))
	}
	var a, tmp mat.Dense
	tmp.Mul(&q, lam)
	a.Mul(&tmp, q.T())
	return quadratic{d: d, a: a.RawMatrix().Data, l: l, mu: mu}
}

func (q quadratic) Dim() int { return q.d }

func (q quadratic) Eval(x, grad []float64) (float64, error) {
	var f float64
	for i := 0; i < q.d; i++ {
		var ax float64
		for j := 0; j < q.d; j++ {
			ax += q.a[i*q.d+j] * x[j]
		}
		f += 0.5 * x[i] * ax
		if grad != nil {
			grad[i] = ax
		}
	}
	return f, nil
}

// runGraph runs opt in a GoMLX graph on the quadratic and returns f after
// each update (index 0: before any update).
func runGraph(t *testing.T, opt *optim.Optimizer, q quadratic, theta0 []float64, steps int) []float64 {
	t.Helper()
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	ctx := model.NewStore().RootScope()
	thetaVar := ctx.VariableWithValue("theta", append([]float64(nil), theta0...))
	aT := tensors.FromFlatDataAndDimensions(q.a, q.d, q.d)
	exec, err := model.NewExec(b, ctx.Store(), func(ctx *model.Scope, a *graph.Node) *graph.Node {
		theta := thetaVar.NodeValue(a.Graph())
		loss := graph.MulScalar(graph.ReduceAllSum(graph.Mul(theta, graph.DotProduct(a, theta))), 0.5)
		opt.UpdateGraph(ctx, a.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	var fs []float64
	for k := 0; k <= steps; k++ {
		out, err := exec.Exec(aT)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, out[0].Value().(float64)) // loss before update k+1
	}
	return fs
}

func ones(d int) []float64 {
	x := make([]float64, d)
	for i := range x {
		x[i] = 1
	}
	return x
}

// rate estimates the per-step contraction of √f (∝ ‖θ‖) between steps k0 and k1.
func rate(fs []float64, k0, k1 int) float64 {
	return math.Pow(math.Sqrt(fs[k1])/math.Sqrt(fs[k0]), 1/float64(k1-k0))
}

func TestGDWithStepOneOverLDecreasesMonotonically(t *testing.T) {
	q := newQuadratic(1, 20, 1, 100)
	fs := runGraph(t, mustSpec("gd:lr=0.01"), q, ones(q.d), 300) // 1/L
	for k := 1; k < len(fs); k++ {
		if fs[k] > fs[k-1] {
			t.Fatalf("f increased at step %d: %g → %g", k, fs[k-1], fs[k])
		}
	}
}

func TestAcceleratedRates(t *testing.T) {
	const kappa = 400.0
	q := newQuadratic(2, 30, 1, kappa)
	sk := math.Sqrt(kappa)
	gdRate := (kappa - 1) / (kappa + 1) // GD at its optimal step 2/(L+μ)
	tests := []struct {
		name      string
		spec      string
		predicted float64
	}{
		// Heavy ball (Polyak 1964): α = 4/(√L+√μ)², β = ((√κ−1)/(√κ+1))², rate (√κ−1)/(√κ+1).
		{"heavy ball", "momentum:lr=" + ftoa(4/math.Pow(sk+1, 2)) + ",momentum=" + ftoa(math.Pow((sk-1)/(sk+1), 2)), (sk - 1) / (sk + 1)},
		// Nesterov (1983): step 1/L, momentum (√κ−1)/(√κ+1), rate ≤ 1 − 1/√κ.
		{"nesterov", "nesterov:lr=" + ftoa(1/kappa) + ",momentum=" + ftoa((sk-1)/(sk+1)), 1 - 1/sk},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := runGraph(t, mustSpec(tc.spec), q, ones(q.d), 600)
			got := rate(fs, 100, 600)
			t.Logf("%s: measured rate %.5f, predicted %.5f, GD's best %.5f", tc.name, got, tc.predicted, gdRate)
			if got > tc.predicted*1.01 {
				t.Errorf("measured contraction %.5f is slower than the predicted %.5f", got, tc.predicted)
			}
			if got > gdRate-0.5*(gdRate-tc.predicted) {
				t.Errorf("measured contraction %.5f is not clearly better than GD's %.5f", got, gdRate)
			}
		})
	}
}

func ftoa(v float64) string { return strconvFormat(v) }

func TestLBFGSNeedsFarFewerGradientsThanGD(t *testing.T) {
	q := newQuadratic(3, 100, 1, 1000)
	x0 := ones(q.d)
	settings := optim.Settings{GradTol: 1e-8, MaxIter: 200000}
	gd, err := optim.Minimize(q, x0, mustSpec("gd:lr=0.001"), settings)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := optim.Minimize(q, x0, mustSpec("lbfgs"), settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("‖∇f‖ ≤ 1e-8: gd %d gradient evaluations (%s), lbfgs %d gradient + %d function evaluations (%s)",
		gd.Stats.GradEvaluations, gd.Status, lb.Stats.GradEvaluations, lb.Stats.FuncEvaluations, lb.Status)
	if gd.Status != optim.Converged || lb.Status != optim.Converged {
		t.Fatalf("statuses gd=%s lbfgs=%s, want both converged", gd.Status, lb.Status)
	}
	if 20*lb.Stats.GradEvaluations > gd.Stats.GradEvaluations {
		t.Fatalf("lbfgs used %d gradient evaluations, gd %d: want at least 20× fewer", lb.Stats.GradEvaluations, gd.Stats.GradEvaluations)
	}
}

// gonumObjective adapts a gonum test function to optim.Objective.
type gonumObjective struct {
	d int
	f func([]float64) float64
	g func(grad, x []float64)
}

func (o gonumObjective) Dim() int { return o.d }
func (o gonumObjective) Eval(x, grad []float64) (float64, error) {
	if grad != nil {
		o.g(grad, x)
	}
	return o.f(x), nil
}

// TestLBFGSAgreesWithGonum solves the extended Rosenbrock function with our
// L-BFGS and gonum's optimize.LBFGS (float64 reference) and compares.
func TestLBFGSAgreesWithGonum(t *testing.T) {
	const d = 10
	ros := functions.ExtendedRosenbrock{}
	x0 := make([]float64, d)
	for i := range x0 {
		x0[i] = -1.2
		if i%2 == 1 {
			x0[i] = 1
		}
	}
	obj := gonumObjective{d, ros.Func, ros.Grad}
	ours, err := optim.Minimize(obj, x0, mustSpec("lbfgs:history=10"), optim.Settings{GradTol: 1e-8, MaxIter: 5000})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := optimize.Minimize(optimize.Problem{Func: ros.Func, Grad: ros.Grad}, x0,
		&optimize.Settings{GradientThreshold: 1e-8}, &optimize.LBFGS{Store: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bgdlab lbfgs: %d iterations, %d grad + %d func evals, f=%.3g; gonum LBFGS: %d iterations, %d grad evals, f=%.3g",
		ours.Stats.Iterations, ours.Stats.GradEvaluations, ours.Stats.FuncEvaluations, ours.F, ref.Stats.MajorIterations, ref.Stats.GradEvaluations, ref.F)
	if ours.Status != optim.Converged {
		t.Fatalf("status %s", ours.Status)
	}
	for i := range ours.X {
		if math.Abs(ours.X[i]-ref.X[i]) > 1e-6 {
			t.Fatalf("x[%d]: ours %.10g, gonum %.10g", i, ours.X[i], ref.X[i])
		}
	}
	// Same league as gonum (which uses a More–Thuente Wolfe search).
	if ours.Stats.GradEvaluations > 3*ref.Stats.GradEvaluations+20 {
		t.Errorf("ours used %d gradient evaluations, gonum %d", ours.Stats.GradEvaluations, ref.Stats.GradEvaluations)
	}
}

func TestArmijoDescendsRosenbrock(t *testing.T) {
	ros := functions.ExtendedRosenbrock{}
	obj := gonumObjective{2, ros.Func, ros.Grad}
	prev := math.Inf(1)
	res, err := optim.Minimize(obj, []float64{-1.2, 1}, mustSpec("armijo"), optim.Settings{
		GradTol: 1e-6, MaxIter: 100000,
		Callback: func(_ int, _ []float64, f, _ float64) bool {
			if f > prev {
				t.Fatalf("armijo increased f: %g → %g", prev, f)
			}
			prev = f
			return true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != optim.Converged || math.Abs(res.X[0]-1) > 1e-4 || math.Abs(res.X[1]-1) > 1e-4 {
		t.Fatalf("armijo: status %s, x=%v", res.Status, res.X)
	}
	t.Logf("armijo on Rosenbrock: %d iterations, %d grad + %d func evaluations", res.Stats.Iterations, res.Stats.GradEvaluations, res.Stats.FuncEvaluations)
}

func TestMinimizeErrors(t *testing.T) {
	q := newQuadratic(1, 3, 1, 2)
	if _, err := optim.Minimize(q, []float64{1}, mustSpec("lbfgs"), optim.Settings{}); err == nil {
		t.Error("wrong x0 length accepted")
	}
	if _, err := optim.Minimize(q, ones(3), mustSpec("adam"), optim.Settings{}); err == nil {
		t.Error("adam accepted by Minimize")
	}
	res, err := optim.Minimize(q, ones(3), mustSpec("gd:lr=10"), optim.Settings{MaxIter: 2000})
	if err != nil || res.Status != optim.Diverged {
		t.Errorf("gd with lr=10 > 2/L: status %s, err %v; want diverged", res.Status, err)
	}
}

func strconvFormat(v float64) string { return strconv.FormatFloat(v, 'g', 17, 64) }
