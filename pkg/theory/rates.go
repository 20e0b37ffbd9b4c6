// Package theory says in advance what batch gradient descent and its rivals
// should do: curvature (L, μ, κ) of a problem, the classical step sizes and
// convergence rates for L-smooth, μ-strongly convex functions, the noise
// floor of constant-step SGD, and predicted curves to overlay on measured
// histories.
package theory

import (
	"fmt"
	"math"
)

// Kappa returns the condition number L/μ (+Inf when μ ≤ 0).
func Kappa(l, mu float64) float64 {
	if mu <= 0 {
		return math.Inf(1)
	}
	return l / mu
}

// GDStableStep returns 2/L: for an L-smooth quadratic, gradient descent with a
// fixed step α converges iff 0 < α < 2/L, and diverges along the top
// eigenvector for α > 2/L (Nesterov, Introductory Lectures, §1.2.3).
func GDStableStep(l float64) float64 { return 2 / l }

// GDOptimalStep returns α* = 2/(L+μ), the fixed step that minimizes the
// worst-case contraction of ‖θ − θ*‖ on μ-strongly convex L-smooth functions
// (Nesterov 2004, Thm 2.1.15).
func GDOptimalStep(l, mu float64) float64 { return 2 / (l + mu) }

// GDOptimalRate returns (κ−1)/(κ+1), the per-step contraction of ‖θ − θ*‖
// with α* = 2/(L+μ); on a quadratic it is attained by the extreme eigenvalues.
func GDOptimalRate(l, mu float64) float64 {
	k := Kappa(l, mu)
	return (k - 1) / (k + 1)
}

// GDRate returns the per-step contraction of ‖θ − θ*‖ on a quadratic with
// Hessian eigenvalues in [μ, L] for a fixed step α: max(|1−αμ|, |1−αL|).
// Above 1 the iteration diverges.
func GDRate(alpha, l, mu float64) float64 {
	return math.Max(math.Abs(1-alpha*mu), math.Abs(1-alpha*l))
}

// GDOneOverLGuarantee returns the classical bounds for the step 1/L after k
// steps: f(θ_k) − f* ≤ (1 − μ/L)^k·(f(θ₀) − f*) when μ > 0 (Polyak–Łojasiewicz
// argument), and f(θ_k) − f* ≤ L‖θ₀ − θ*‖²/(2k) for convex f (μ = 0).
func GDOneOverLGuarantee(l, mu float64, k int, gap0, dist0 float64) float64 {
	if mu > 0 {
		return math.Pow(1-mu/l, float64(k)) * gap0
	}
	if k == 0 {
		return gap0
	}
	return l * dist0 * dist0 / (2 * float64(k))
}

// HeavyBall returns Polyak's optimal heavy-ball parameters for quadratics,
// α = 4/(√L+√μ)² and β = ((√κ−1)/(√κ+1))², and the asymptotic contraction
// (√κ−1)/(√κ+1) (Polyak 1964). In torch's SGD-with-momentum form this is
// lr = α, momentum = β.
func HeavyBall(l, mu float64) (alpha, beta, rate float64) {
	sk := math.Sqrt(Kappa(l, mu))
	alpha = 4 / math.Pow(math.Sqrt(l)+math.Sqrt(mu), 2)
	beta = math.Pow((sk-1)/(sk+1), 2)
	return alpha, beta, (sk - 1) / (sk + 1)
}

// HeavyBallRate is the asymptotic contraction per step of the heavy-ball
// method θₖ₊₁ = θₖ − α∇f(θₖ) + β(θₖ − θₖ₋₁) on a quadratic whose Hessian has
// the eigenvalues lambdas: the largest spectral radius, over λ, of the
// iteration matrix [[1+β−αλ, −β], [1, 0]] (Polyak 1964; Goh 2017, "Why
// Momentum Really Works"). Above 1 the method diverges; β = 0 gives
// GDRate.
func HeavyBallRate(alpha, beta float64, lambdas ...float64) float64 {
	worst := 0.0
	for _, l := range lambdas {
		t := 1 + beta - alpha*l // z² − t·z + β = 0
		disc := t*t - 4*beta
		r := math.Sqrt(math.Abs(beta)) // complex pair: |z| = √β
		if disc >= 0 {
			r = math.Max(math.Abs(t+math.Sqrt(disc)), math.Abs(t-math.Sqrt(disc))) / 2
		}
		worst = math.Max(worst, r)
	}
	return worst
}

// HeavyBallStableStep is the largest stable step 2(1+β)/λ of the heavy-ball
// method with momentum β ∈ [0, 1) along curvature λ: both roots of
// z² − (1+β−αλ)z + β lie inside the unit circle exactly when
// 0 < αλ < 2(1+β). β = 0 gives GDStableStep. On a network it is the edge
// of stability momentum GD's sharpness rises to, 2(1+β)/η (Cohen et al.
// 2021, §5).
func HeavyBallStableStep(l, beta float64) float64 { return 2 * (1 + beta) / l }

// CriticalMomentum is the momentum β = (1 − √(αλ))² at which the heavy-ball
// iteration along eigenvalue λ is critically damped (a repeated real root):
// below it the error decays without oscillating, above it it spirals at
// rate √β. It needs 0 < αλ; for αλ > 1 it is (√(αλ) − 1)².
func CriticalMomentum(alpha, lambda float64) float64 {
	return math.Pow(1-math.Sqrt(alpha*lambda), 2)
}

// Nesterov returns the step 1/L, momentum (√κ−1)/(√κ+1) and the rate
// 1 − 1/√κ of Nesterov's accelerated method for μ-strongly convex L-smooth
// functions: f(θ_k) − f* ≤ (1 − 1/√κ)^k·(f(θ₀) − f* + μ‖θ₀ − θ*‖²/2)
// (Nesterov 2004, Thm 2.2.3).
func Nesterov(l, mu float64) (step, momentum, rate float64) {
	sk := math.Sqrt(Kappa(l, mu))
	return 1 / l, (sk - 1) / (sk + 1), 1 - 1/sk
}

// SGDNoiseFloor returns the stationary expected suboptimality E[f − f*] of
// constant-step SGD on a quadratic f(θ) = f* + ½(θ−θ*)ᵀH(θ−θ*) whose
// mini-batch gradient at θ* has covariance S/B (per-example covariance S,
// batch B; multiply S by (n−B)/(n−1) for sampling without replacement).
// In H's eigenbasis with eigenvalues λᵢ and Sᵢᵢ = vᵢᵀSvᵢ, each coordinate is
// an AR(1) process with variance α²Sᵢᵢ/(B(1 − (1−αλᵢ)²)), so
//
//	E[f − f*] = (α/(2B))·Σᵢ Sᵢᵢ/(2 − αλᵢ),
//
// ≈ α·tr(S)/(4B) for small α (e.g. Bottou, Curtis & Nocedal 2018, §4). It
// ignores the coupling from off-diagonal Sᵢⱼ, exact when S ∝ H.
func SGDNoiseFloor(alpha float64, batch int, lambdas, sDiag []float64) (float64, error) {
	if len(lambdas) != len(sDiag) {
		return 0, fmt.Errorf("theory: %d eigenvalues but %d covariance entries", len(lambdas), len(sDiag))
	}
	if batch < 1 {
		return 0, fmt.Errorf("theory: batch %d must be ≥ 1", batch)
	}
	var sum float64
	for i, l := range lambdas {
		if alpha*l >= 2 {
			return math.Inf(1), nil
		}
		sum += sDiag[i] / (2 - alpha*l)
	}
	return alpha / (2 * float64(batch)) * sum, nil
}

// SGDNoiseFloorGaussian refines SGDNoiseFloor for least squares with
// Gaussian features sampled with replacement, where the gradient noise also
// grows with the distance to θ* (multiplicative noise). With H = 2Σ,
// σᵢ = λᵢ/2 and eᵢ = E[δᵢ²] in Σ's eigenbasis, the fourth moments
// E[(xᵀδ)²xxᵀ] = (δᵀΣδ)Σ + 2Σδδᵀ Σ give the stationary equations
//
//	eᵢ·Dᵢ = α²Sᵢᵢ/B + (4α²σᵢ/B)·F,  Dᵢ = 2αλᵢ − α²λᵢ² − 8α²σᵢ²/B,  F = Σⱼσⱼeⱼ,
//
// solved in closed form: E[f − f*] = F = A/(1 − C) with A = Σ σⱼα²Sⱼⱼ/(B·Dⱼ)
// and C = Σ 4α²σⱼ²/(B·Dⱼ). It reduces to SGDNoiseFloor as α → 0 and returns
// +Inf when the recursion is unstable.
func SGDNoiseFloorGaussian(alpha float64, batch int, lambdas, sDiag []float64) (float64, error) {
	if len(lambdas) != len(sDiag) {
		return 0, fmt.Errorf("theory: %d eigenvalues but %d covariance entries", len(lambdas), len(sDiag))
	}
	if batch < 1 {
		return 0, fmt.Errorf("theory: batch %d must be ≥ 1", batch)
	}
	b := float64(batch)
	var a, c float64
	for i, l := range lambdas {
		sig := l / 2
		d := 2*alpha*l - alpha*alpha*l*l - 8*alpha*alpha*sig*sig/b
		if d <= 0 {
			return math.Inf(1), nil
		}
		a += sig * alpha * alpha * sDiag[i] / (b * d)
		c += 4 * alpha * alpha * sig * sig / (b * d)
	}
	if c >= 1 {
		return math.Inf(1), nil
	}
	return a / (1 - c), nil
}

// PredictGDQuadratic returns the exact suboptimality f(θ_k) − f* of gradient
// descent with step α on a quadratic, k = 0..steps: with c = Vᵀ(θ₀−θ*) in H's
// eigenbasis, f(θ_k) − f* = ½ Σᵢ λᵢ cᵢ² (1 − αλᵢ)^{2k}.
func PredictGDQuadratic(lambdas, c []float64, alpha float64, steps int) []float64 {
	out := make([]float64, steps+1)
	for k := range out {
		var s float64
		for i, l := range lambdas {
			s += 0.5 * l * c[i] * c[i] * math.Pow(1-alpha*l, 2*float64(k))
		}
		out[k] = s
	}
	return out
}

// PredictRate returns gap0·rate^(2(steps[k]−steps[0])) for each logged step:
// the suboptimality curve from gap0 at the first logged step implied by a
// per-step contraction of ‖θ − θ*‖ (f − f* scales as its square). Steps are
// explicit because histories may log every few steps.
func PredictRate(gap0, rate float64, steps []float64) []float64 {
	out := make([]float64, len(steps))
	for k, st := range steps {
		out[k] = gap0 * math.Pow(rate, 2*(st-steps[0]))
	}
	return out
}

// MeasuredRate fits the per-step contraction of ‖θ − θ*‖ from a suboptimality
// curve between rows i0 and i1 logged at steps[i0] and steps[i1]:
// (gap[i1]/gap[i0])^(1/(2(steps[i1]−steps[i0]))).
func MeasuredRate(steps, gap []float64, i0, i1 int) float64 {
	return math.Pow(gap[i1]/gap[i0], 1/(2*(steps[i1]-steps[i0])))
}

// MeasuredRateAuto fits the per-step contraction on the second half of the
// stretch where the suboptimality is still above floor·gap[0] (below that,
// rounding error rather than the method is measured). It returns NaN when
// fewer than 4 usable rows remain or steps and gap differ in length.
func MeasuredRateAuto(steps, gap []float64, floor float64) float64 {
	if len(gap) == 0 || len(steps) != len(gap) || !(gap[0] > 0) {
		return math.NaN()
	}
	end := len(gap) - 1
	for end > 0 && !(gap[end] > floor*gap[0]) {
		end--
	}
	if end < 4 {
		return math.NaN()
	}
	return MeasuredRate(steps, gap, end/2, end)
}

// HeavyBallGridMin is the smallest HeavyBallRate over an n×n grid of steps
// α ∈ (0, alphaMax) and momenta β ∈ [0, 1) on the eigenvalues lambdas, and
// where it lies: a brute-force check of HeavyBall's closed form.
func HeavyBallGridMin(alphaMax float64, n int, lambdas ...float64) (rate, alpha, beta float64) {
	rate = math.Inf(1)
	for i := 1; i < n; i++ {
		for j := 0; j < n; j++ {
			a, b := alphaMax*float64(i)/float64(n), float64(j)/float64(n)
			if r := HeavyBallRate(a, b, lambdas...); r < rate {
				rate, alpha, beta = r, a, b
			}
		}
	}
	return rate, alpha, beta
}

// CriticalCurve samples CriticalMomentum along eigenvalue lambda at n steps
// α = alphaMax·i/n, keeping the points with β ≤ 1.
func CriticalCurve(lambda, alphaMax float64, n int) (alphas, betas []float64) {
	for i := 1; i <= n; i++ {
		a := alphaMax * float64(i) / float64(n)
		if b := CriticalMomentum(a, lambda); b <= 1 {
			alphas, betas = append(alphas, a), append(betas, b)
		}
	}
	return alphas, betas
}
