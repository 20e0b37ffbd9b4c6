package exercise

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func stub() { panic("not implemented") }

// gd is a correct GD step written independently of mseGrad (matrix form, gonum).
func gd(scale float64) GDFunc {
	return func(theta []float64, X [][]float64, y []float64, alpha float64) []float64 {
		n, d := len(X), len(theta)
		A := mat.NewDense(n, d, nil)
		for i, row := range X {
			A.SetRow(i, row)
		}
		r := mat.NewVecDense(n, nil)
		r.MulVec(A, mat.NewVecDense(d, clone(theta)))
		r.SubVec(r, mat.NewVecDense(n, y))
		g := mat.NewVecDense(d, nil)
		g.MulVec(A.T(), r)
		out := clone(theta)
		for j := range out {
			out[j] -= scale * alpha * 2 / float64(n) * g.AtVec(j)
		}
		return out
	}
}

func curvature(scaleL, scaleMu float64, swap bool) CurvatureFunc {
	return func(X [][]float64) (float64, float64) {
		n, d := len(X), len(X[0])
		A := mat.NewDense(n, d, nil)
		for i, row := range X {
			A.SetRow(i, row)
		}
		var sv mat.SVD // σ² of X/√(n/2) are the Hessian's eigenvalues: a second route
		sv.Factorize(A, mat.SVDNone)
		s := sv.Values(nil)
		L, mu := 2*s[0]*s[0]/float64(n)*scaleL, 2*s[d-1]*s[d-1]/float64(n)*scaleMu
		if swap {
			return mu, L
		}
		return L, mu
	}
}

func heavy(gs, ms float64) HeavyBallFunc {
	return func(theta, prev, grad []float64, alpha, beta float64) []float64 {
		out := make([]float64, len(theta))
		for i := range out {
			out[i] = theta[i] - gs*alpha*grad[i] + ms*beta*(theta[i]-prev[i])
		}
		return out
	}
}

func bias(dt int, correct bool) BiasCorrectionFunc {
	return func(m, v []float64, t int, b1, b2 float64) ([]float64, []float64) {
		mh, vh := clone(m), clone(v)
		if !correct {
			return mh, vh
		}
		for i := range mh {
			mh[i] /= 1 - math.Pow(b1, float64(t+dt))
			vh[i] /= 1 - math.Pow(b2, float64(t+dt))
		}
		return mh, vh
	}
}

func planner(round func(float64) float64, only int) PlanFunc {
	return func(p BatchProblem) (int, int) {
		best, bb, bk := math.Inf(1), 0, 0
		for i, b := range p.Sizes {
			if only > 0 && b != only {
				continue
			}
			k := int(round(p.Budget / p.StepSeconds[i]))
			if l := p.Predicted(b, k); l < best {
				best, bb, bk = l, b, k
			}
		}
		return bb, bk
	}
}

// TestCheckers runs every checker on the right answer, the unmodified stub and
// plausible wrong answers: only the right answer may pass, and each wrong one
// must get its specific hint.
func TestCheckers(t *testing.T) {
	tests := []struct {
		name     string
		check    func() Result
		pass     bool
		wantHint string
	}{
		{"gd/right", func() Result { return GDStep(gd(1)) }, true, ""},
		{"gd/stub", func() Result {
			return GDStep(func([]float64, [][]float64, []float64, float64) []float64 { stub(); return nil })
		}, false, "replace the panic"},
		{"gd/flipped sign (y − ŷ)", func() Result { return GDStep(gd(-1)) }, false, "climbs"},
		{"gd/1/n instead of 2/n", func() Result { return GDStep(gd(0.5)) }, false, "factor 2"},
		{"gd/short slice", func() Result {
			return GDStep(func(th []float64, _ [][]float64, _ []float64, _ float64) []float64 { return th[:len(th)-1] })
		}, false, "one entry per parameter"},
		{"curvature/right", func() Result { return Curvature(curvature(1, 1, false)) }, true, ""},
		{"curvature/stub", func() Result { return Curvature(func([][]float64) (float64, float64) { stub(); return 0, 0 }) }, false, "replace the panic"},
		{"curvature/(1/n)XᵀX", func() Result { return Curvature(curvature(0.5, 0.5, false)) }, false, "with the 2"},
		{"curvature/swapped", func() Result { return Curvature(curvature(1, 1, true)) }, false, "swapped"},
		{"step/right", func() Result { return FastestStableStep(func(L, mu float64) float64 { return 2 / (L + mu) }) }, true, ""},
		{"step/stub", func() Result { return FastestStableStep(func(float64, float64) float64 { stub(); return 0 }) }, false, "replace the panic"},
		{"step/2/L", func() Result { return FastestStableStep(func(L, _ float64) float64 { return 2 / L }) }, false, "not stable"},
		{"step/1/L", func() Result { return FastestStableStep(func(L, _ float64) float64 { return 1 / L }) }, false, "not the fastest"},
		{"step/2/μ", func() Result { return FastestStableStep(func(_, mu float64) float64 { return 2 / mu }) }, false, "not stable"},
		{"heavy/right", func() Result { return HeavyBall(heavy(1, 1)) }, true, ""},
		{"heavy/stub", func() Result {
			return HeavyBall(func(_, _, _ []float64, _, _ float64) []float64 { stub(); return nil })
		}, false, "replace the panic"},
		{"heavy/momentum sign", func() Result { return HeavyBall(heavy(1, -1)) }, false, "backwards"},
		{"heavy/no momentum", func() Result { return HeavyBall(heavy(1, 0)) }, false, "plain GD"},
		{"heavy/gradient sign", func() Result { return HeavyBall(heavy(-1, 1)) }, false, "wrong sign"},
		{"adam/right", func() Result { return AdamBiasCorrection(bias(0, true)) }, true, ""},
		{"adam/stub", func() Result {
			return AdamBiasCorrection(func(_, _ []float64, _ int, _, _ float64) ([]float64, []float64) { stub(); return nil, nil })
		}, false, "replace the panic"},
		{"adam/missing correction", func() Result { return AdamBiasCorrection(bias(0, false)) }, false, "no bias correction"},
		{"adam/t-1", func() Result { return AdamBiasCorrection(bias(-1, true)) }, false, "off by one"},
		{"adam/t+1", func() Result { return AdamBiasCorrection(bias(1, true)) }, false, "off by one"},
		{"batch/right", func() Result { return BatchPlan(planner(math.Floor, 0)) }, true, ""},
		{"batch/stub", func() Result { return BatchPlan(func(BatchProblem) (int, int) { stub(); return 0, 0 }) }, false, "replace the panic"},
		{"batch/ceil steps", func() Result { return BatchPlan(planner(math.Ceil, 0)) }, false, "round the number of steps down"},
		{"batch/one step too few", func() Result { return BatchPlan(planner(func(x float64) float64 { return math.Floor(x) - 1 }, 0)) }, false, "pays for"},
		{"batch/always full batch", func() Result { return BatchPlan(planner(math.Floor, 60000)) }, false, "compare p.Predicted"},
		{"batch/always 32", func() Result { return BatchPlan(planner(math.Floor, 32)) }, false, "compare p.Predicted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.check()
			if r.Passed != tc.pass {
				t.Fatalf("Passed = %v, want %v: %s", r.Passed, tc.pass, r)
			}
			if !strings.Contains(r.Hint, tc.wantHint) {
				t.Errorf("hint %q does not contain %q", r.Hint, tc.wantHint)
			}
			if tc.pass && r.Cases != 20 {
				t.Errorf("passed on %d cases, want 20", r.Cases)
			}
		})
	}
}

// TestBatchProblemsVary makes sure the random problems have different best
// batch sizes, so "always the full batch" or "always the smallest" cannot pass.
func TestBatchProblemsVary(t *testing.T) {
	seen := map[int]int{}
	for s := range uint64(200) {
		b, _ := SampleBatchProblem(s).bestPlan()
		seen[b]++
	}
	if len(seen) < 3 {
		t.Fatalf("best batch sizes over 200 problems: %v; want at least 3 different", seen)
	}
	t.Logf("best batch sizes over 200 problems: %v", seen)
}

// Ready passes a finished exercise through silently and stops a "Use it"
// cell for an unfinished one (the stub's panic) or a wrong one (a flipped
// sign), with one line instead of a trace or a diverged θ.
func TestReady(t *testing.T) {
	right := func(theta []float64, X [][]float64, y []float64, alpha float64) []float64 {
		next := make([]float64, len(theta))
		for j := range theta {
			g := 0.0
			for i, row := range X {
				r := -y[i]
				for k, x := range row {
					r += x * theta[k]
				}
				g += 2 * r * row[j] / float64(len(X))
			}
			next[j] = theta[j] - alpha*g
		}
		return next
	}
	flipped := func(theta []float64, X [][]float64, y []float64, alpha float64) []float64 {
		next := right(theta, X, y, alpha)
		for j := range next {
			next[j] = 2*theta[j] - next[j]
		}
		return next
	}
	stub := func([]float64, [][]float64, []float64, float64) []float64 { panic("not implemented: write gdStep") }
	for _, tc := range []struct {
		name string
		f    GDFunc
		want bool
	}{{"right", right, true}, {"flipped", flipped, false}, {"stub", stub, false}} {
		if got := Ready(GDStep(tc.f)); got != tc.want {
			t.Errorf("%s: Ready = %v, want %v", tc.name, got, tc.want)
		}
	}
}
