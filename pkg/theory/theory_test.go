package theory_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/lsq"
	"github.com/bgdlab/bgdlab/pkg/theory"
	"gonum.org/v1/gonum/mat"
)

func TestStepSizeFacts(t *testing.T) {
	l, mu := 100.0, 1.0
	if theory.GDStableStep(l) != 0.02 || theory.GDOptimalStep(l, mu) != 2.0/101 {
		t.Error("GD steps")
	}
	if r := theory.GDOptimalRate(l, mu); math.Abs(r-99.0/101) > 1e-15 {
		t.Errorf("optimal rate %g", r)
	}
	if r := theory.GDRate(theory.GDOptimalStep(l, mu), l, mu); math.Abs(r-99.0/101) > 1e-15 {
		t.Errorf("GDRate at α* = %g", r)
	}
	if r := theory.GDRate(2.05/l, l, mu); r <= 1 {
		t.Errorf("GDRate above 2/L = %g, want > 1", r)
	}
	a, b, r := theory.HeavyBall(l, mu)
	if math.Abs(a-4.0/121) > 1e-15 || math.Abs(b-math.Pow(9.0/11, 2)) > 1e-15 || math.Abs(r-9.0/11) > 1e-15 {
		t.Errorf("heavy ball %g %g %g", a, b, r)
	}
	s, m, nr := theory.Nesterov(l, mu)
	if s != 0.01 || math.Abs(m-9.0/11) > 1e-15 || math.Abs(nr-0.9) > 1e-15 {
		t.Errorf("nesterov %g %g %g", s, m, nr)
	}
}

// TestPredictGDQuadraticIsExact compares the predicted suboptimality with the
// closed-form GD iterates of the textbook least-squares problem.
func TestPredictGDQuadraticIsExact(t *testing.T) {
	x, y := data.TextbookPoints()
	p := lsq.Problem{X: lsq.WithBias(x), Y: y}
	h := p.Hessian()
	var eig mat.EigenSym
	eig.Factorize(h, true)
	var v mat.Dense
	eig.VectorsTo(&v)
	star, _ := p.ClosedForm()
	c := make([]float64, 2)
	for i := range c {
		c[i] = v.At(0, i)*(0-star[0]) + v.At(1, i)*(0-star[1])
	}
	pred := theory.PredictGDQuadratic(eig.Values(nil), c, 0.01, 1000)
	for _, k := range []int{0, 1, 10, 100, 1000} {
		th, _ := p.ExactGD([]float64{0, 0}, 0.01, k)
		if got := p.MSE(th); math.Abs(pred[k]-got) > 1e-9*math.Max(got, 1e-12) {
			t.Errorf("k=%d: predicted %g, exact %g", k, pred[k], got)
		}
	}
}

// TestSGDNoiseFloorMatchesSimulation simulates constant-step SGD on a 2-d
// quadratic with Gaussian gradient noise of known covariance.
func TestSGDNoiseFloorMatchesSimulation(t *testing.T) {
	lam := []float64{1, 4}
	sDiag := []float64{2, 0.5}
	const alpha, batch = 0.1, 4
	want, _ := theory.SGDNoiseFloor(alpha, batch, lam, sDiag)
	rng := rand.New(rand.NewPCG(1, 2))
	th := []float64{0, 0}
	var sum float64
	const burn, steps = 1000, 400000
	for k := 0; k < burn+steps; k++ {
		for i := range th {
			g := lam[i]*th[i] + math.Sqrt(sDiag[i]/batch)*rng.NormFloat64()
			th[i] -= alpha * g
		}
		if k >= burn {
			sum += 0.5 * (lam[0]*th[0]*th[0] + lam[1]*th[1]*th[1])
		}
	}
	got := sum / steps
	if math.Abs(got-want) > 0.03*want {
		t.Fatalf("simulated E[f−f*] = %.5g, theory %.5g", got, want)
	}
}

func TestLanczosOnKnownMatrix(t *testing.T) {
	n := 40
	diag := make([]float64, n)
	for i := range diag {
		diag[i] = math.Pow(1000, float64(i)/float64(n-1))
	}
	c, err := theory.Lanczos(func(v, out []float64) error {
		for i := range v {
			out[i] = diag[i] * v[i]
		}
		return nil
	}, n, 40, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.L-1000) > 1e-6*1000 || math.Abs(c.Mu-1) > 1e-6 {
		t.Fatalf("L=%g μ=%g", c.L, c.Mu)
	}
}

// TestMeasuredRateUsesLoggedSteps fits the contraction of a curve
// gap_k = g0·ρ^(2k) logged every 1, 2 or 7 steps, with a rounding floor at
// the end: the fit must return ρ whatever the logging interval (a fit per
// row instead of per step returns ρ^every), and PredictRate must reproduce
// the logged curve.
func TestMeasuredRateUsesLoggedSteps(t *testing.T) {
	const rho, g0 = 0.9, 5.0
	for _, every := range []int{1, 2, 7} {
		var steps, gap []float64
		for k := 0; k <= 600; k += every {
			g := g0 * math.Pow(rho, 2*float64(k))
			steps, gap = append(steps, float64(k)), append(gap, math.Max(g, 1e-15*g0)) // floor: rounding
		}
		if got := theory.MeasuredRateAuto(steps, gap, 1e-12); math.Abs(got-rho) > 1e-9 {
			t.Errorf("logged every %d steps: measured rate %.12f, want %g", every, got, rho)
		}
		pred := theory.PredictRate(g0, rho, steps)
		for i := range pred {
			if gap[i] > 1e-12*g0 && math.Abs(pred[i]-gap[i]) > 1e-12*gap[i] {
				t.Fatalf("logged every %d: PredictRate[%d] = %g, curve %g", every, i, pred[i], gap[i])
			}
		}
	}
	if got := theory.MeasuredRateAuto([]float64{0, 1}, []float64{1, 0.5, 0.25}, 1e-12); !math.IsNaN(got) {
		t.Errorf("mismatched lengths gave %g, want NaN", got)
	}
}

// TestHeavyBallRate checks the rate map against Polyak's optimum, against
// GD at β = 0, and against a simulation of the iteration on a 2-D quadratic.
func TestHeavyBallRate(t *testing.T) {
	L, mu := 100.0, 1.0
	alpha, beta, rate := theory.HeavyBall(L, mu)
	if got := theory.HeavyBallRate(alpha, beta, mu, L); math.Abs(got-rate) > 1e-6 {
		t.Errorf("at Polyak's parameters: rate %.8f, want %.8f", got, rate)
	}
	for _, a := range []float64{0.001, 0.01, 0.019, 0.021} {
		if got, want := theory.HeavyBallRate(a, 0, mu, L), theory.GDRate(a, L, mu); math.Abs(got-want) > 1e-12 {
			t.Errorf("β = 0, α = %g: %.10f, want GD's %.10f", a, got, want)
		}
	}
	for _, tc := range []struct{ alpha, beta float64 }{{0.01, 0.5}, {0.015, 0.9}, {0.03, 0.2}, {0.005, 0.0}} {
		x, px := []float64{1, 1}, []float64{1, 1} // coordinates along μ and L
		lam := []float64{mu, L}
		var n0, n1 float64
		for k := range 2000 {
			for i := range x {
				x[i], px[i] = x[i]-tc.alpha*lam[i]*x[i]+tc.beta*(x[i]-px[i]), x[i]
			}
			if k == 999 {
				n0 = math.Hypot(x[0], x[1])
			}
		}
		n1 = math.Hypot(x[0], x[1])
		measured := math.Pow(n1/n0, 1.0/1000)
		if want := theory.HeavyBallRate(tc.alpha, tc.beta, mu, L); math.Abs(measured-want) > 0.01*want {
			t.Errorf("α=%g β=%g: simulated rate %.5f, HeavyBallRate %.5f", tc.alpha, tc.beta, measured, want)
		}
	}
	if b := theory.CriticalMomentum(alpha, mu); math.Abs(b-beta) > 1e-12 {
		t.Errorf("Polyak's β %.6f is critical damping for μ: CriticalMomentum = %.6f", beta, b)
	}
}

// The heavy-ball limit 2(1+β)/λ is where the iteration's spectral radius
// (HeavyBallRate, from the characteristic roots) crosses 1, and where a
// simulated scalar recurrence turns from decaying to growing.
func TestHeavyBallStableStep(t *testing.T) {
	const l = 10.0
	for _, beta := range []float64{0, 0.5, 0.9, 0.99} {
		edge := theory.HeavyBallStableStep(l, beta)
		for _, c := range []float64{0.98, 1.02} {
			alpha := c * edge
			rate := theory.HeavyBallRate(alpha, beta, l)
			x, px := 1.0, 1.0
			for range 3000 {
				x, px = x-alpha*l*x+beta*(x-px), x
			}
			if stable := c < 1; (rate < 1) != stable || (math.Abs(x) < 1) != stable {
				t.Errorf("β=%g, α = %.2f·2(1+β)/λ: spectral radius %.6f, |x₃₀₀₀| = %.3g; want stable=%v", beta, c, rate, math.Abs(x), stable)
			}
		}
	}
	if got, want := theory.HeavyBallStableStep(l, 0), theory.GDStableStep(l); got != want {
		t.Errorf("β = 0: %g, want GD's 2/λ = %g", got, want)
	}
}

// TestLogisticNewton checks Newton's method on regularized logistic
// regression: the loss at zero is ln 2, the losses fall to a floor, and at
// the end a central finite difference of an independently written loss has
// no slope.
func TestLogisticNewton(t *testing.T) {
	sp, err := data.Load(data.Blobs{N: 400, D: 3, Sep: 1, Holdout: data.NoHoldout}.String())
	if err != nil {
		t.Fatal(err)
	}
	d, l2 := sp.Train, 0.01
	losses, theta, err := theory.LogisticNewton(d, l2, 12)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(losses[0]-math.Ln2) > 1e-13 {
		t.Errorf("loss at zero %.17g, want ln 2", losses[0])
	}
	if last := losses[len(losses)-1]; math.Abs(losses[len(losses)-2]-last) > 1e-14 || last >= losses[0] {
		t.Errorf("Newton did not settle: %v", losses)
	}
	loss := func(th []float64) float64 {
		var sum float64
		for i := range d.N {
			z := th[d.D]
			for j := range d.D {
				z += d.X[i*d.D+j] * th[j]
			}
			y := float64(d.Labels[i])
			sum += -(y*math.Log(1/(1+math.Exp(-z))) + (1-y)*math.Log(1-1/(1+math.Exp(-z))))
		}
		reg := 0.0
		for j := range d.D {
			reg += th[j] * th[j]
		}
		return sum/float64(d.N) + l2/2*reg
	}
	if math.Abs(loss(theta)-losses[len(losses)-1]) > 1e-12 {
		t.Errorf("final loss %.15g, independent formula %.15g", losses[len(losses)-1], loss(theta))
	}
	for j := range theta {
		h := 1e-5
		up, down := append([]float64(nil), theta...), append([]float64(nil), theta...)
		up[j] += h
		down[j] -= h
		if g := (loss(up) - loss(down)) / (2 * h); math.Abs(g) > 1e-8 {
			t.Errorf("∂f/∂θ%d = %.3g at Newton's end point, want 0", j, g)
		}
	}
}

// TestExactHessianIsBounded: beyond MaxExactParams the exact curvature is
// refused with the size and the alternative, before any allocation.
func TestExactHessianIsBounded(t *testing.T) {
	d := &data.Dataset{Name: "wide", Task: data.Regression, N: 2, D: theory.MaxExactParams, X: make([]float64, 2*theory.MaxExactParams), Y: []float64{0, 1}, T: 1}
	_, err := theory.LeastSquares(d, true)
	if err == nil || !strings.Contains(err.Error(), "2049 parameters") || !strings.Contains(err.Error(), "Lanczos") {
		t.Fatalf("error %v, want a refusal naming 2049 parameters and Lanczos", err)
	}
}

// TestReddiAdamFailsAMSGradConverges: Theorem 1 of Reddi et al. (2018) at
// C = 3: Adam ends at the worst point +1, AMSGrad at the optimum −1.
func TestReddiAdamFailsAMSGradConverges(t *testing.T) {
	r := theory.Reddi{C: 3, Alpha: 0.5, Steps: 30000}
	adam, ts := r.Run(false, 30)
	ams, _ := r.Run(true, 30)
	if len(adam) != 1000 || ts[len(ts)-1] != 30000 {
		t.Fatalf("%d points up to t = %g, want 1000 up to 30000", len(adam), ts[len(ts)-1])
	}
	if a, m := adam[len(adam)-1], ams[len(ams)-1]; a < 0.99 || m > -0.99 {
		t.Errorf("Adam ends at %g (want +1), AMSGrad at %g (want −1)", a, m)
	}
}

// TestHeavyBallGridMinIsPolyak: the brute-force minimum of the heavy-ball
// rate over (α, β) is Polyak's closed form (√κ−1)/(√κ+1) within the grid's
// resolution; the critical-damping curve meets β = (1 − √(αλ))².
func TestHeavyBallGridMinIsPolyak(t *testing.T) {
	_, _, want := theory.HeavyBall(25, 1)
	rate, a, b := theory.HeavyBallGridMin(4.0/25, 400, 1, 25)
	if math.Abs(rate-want) > 0.01 || math.Abs(want-(5.0-1)/(5+1)) > 1e-12 {
		t.Errorf("grid minimum %g at (%g, %g), Polyak %g", rate, a, b, want)
	}
	as, bs := theory.CriticalCurve(25, 4.0/25, 100)
	for i := range as {
		if r := math.Sqrt(as[i] * 25); math.Abs(bs[i]-(1-r)*(1-r)) > 1e-12 || bs[i] > 1 {
			t.Errorf("critical curve at α = %g: β = %g", as[i], bs[i])
		}
	}
	if len(as) != 100 {
		t.Errorf("%d points, want all 100 (β ≤ 1 while αλ ≤ 4)", len(as))
	}
}
