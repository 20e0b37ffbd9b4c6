package exercise

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// HeavyBallFunc is one step of Polyak's heavy-ball method, written on the
// iterates so that no velocity convention is needed:
// θₖ₊₁ = θₖ − α·∇f(θₖ) + β·(θₖ − θₖ₋₁).
type HeavyBallFunc func(theta, prev, grad []float64, alpha, beta float64) []float64

// HeavyBall checks the heavy-ball step against the reference on random iterates.
func HeavyBall(f HeavyBallFunc, opts ...Option) Result {
	return check("the heavy-ball step", opts, func(_ int, r *rand.Rand) (string, string) {
		d := 1 + r.IntN(5)
		theta, prev, grad := randVec(r, d, 1), randVec(r, d, 1), randVec(r, d, 1)
		alpha, beta := 0.01+0.2*r.Float64(), 0.5+0.49*r.Float64()
		step := func(gs, ms float64) []float64 {
			out := clone(theta)
			for i := range out {
				out[i] += -gs*alpha*grad[i] + ms*beta*(theta[i]-prev[i])
			}
			return out
		}
		got, err := call(func() []float64 { return f(clone(theta), clone(prev), clone(grad), alpha, beta) })
		if err != nil {
			return stubbed("heavyBall", err)
		}
		return vecCheck(got, step(1, 1), fmt.Sprintf("heavyBall(α=%.3g, β=%.3g)", alpha, beta), []mistake[[]float64]{
			{func() []float64 { return step(1, -1) }, "the momentum term points backwards: it is β·(θₖ − θₖ₋₁), the direction the iterate was already moving"},
			{func() []float64 { return step(1, 0) }, "this is plain GD: add the momentum term β·(θₖ − θₖ₋₁)"},
			{func() []float64 { return step(-1, 1) }, "the gradient term has the wrong sign: subtract α·∇f"},
			{func() []float64 { return step(1/(1-beta), 0) }, "the momentum must come from the previous iterate, not from rescaling the gradient"},
		}, "return θ − α·grad + β·(θ − prev), entry by entry, in a new slice")
	})
}

// BiasCorrectionFunc returns Adam's bias-corrected moments at step t (t = 1 on
// the first step): m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
type BiasCorrectionFunc func(m, v []float64, t int, beta1, beta2 float64) (mHat, vHat []float64)

// AdamBiasCorrection checks Adam's bias correction on random moments and steps,
// always including the first step, where the correction matters most.
func AdamBiasCorrection(f BiasCorrectionFunc, opts ...Option) Result {
	return check("Adam's bias correction", opts, func(k int, r *rand.Rand) (string, string) {
		d, t := 1+r.IntN(4), 1+r.IntN(30)
		if k == 1 {
			t = 1
		}
		m, v := randVec(r, d, 0.1), randVec(r, d, 0.01)
		for i := range v {
			v[i] = math.Abs(v[i])
		}
		b1, b2 := 0.8+0.15*r.Float64(), 0.99+0.0099*r.Float64()
		corr := func(tt int, c1, c2 float64) []float64 {
			out := make([]float64, 0, 2*d)
			for i := range m {
				out = append(out, m[i]/(1-math.Pow(c1, float64(tt))))
			}
			for i := range v {
				out = append(out, v[i]/(1-math.Pow(c2, float64(tt))))
			}
			return out
		}
		got, err := call(func() []float64 { mh, vh := f(clone(m), clone(v), t, b1, b2); return append(clone(mh), vh...) })
		if err != nil {
			return stubbed("biasCorrect", err)
		}
		return vecCheck(got, corr(t, b1, b2), fmt.Sprintf("(m̂, v̂) at t=%d, β₁=%.3g, β₂=%.5g", t, b1, b2), []mistake[[]float64]{
			{func() []float64 { return append(clone(m), v...) }, "no bias correction: m and v start at 0, so early on they are too small by the factor 1 − βᵗ; divide by it"},
			{func() []float64 { return corr(t-1, b1, b2) }, "off by one step: t counts from 1 on the first update, and the correction uses βᵗ"},
			{func() []float64 { return corr(t+1, b1, b2) }, "off by one step: t counts from 1 on the first update, and the correction uses βᵗ, not βᵗ⁺¹"},
			{func() []float64 { return corr(t, b2, b1) }, "β₁ and β₂ are swapped: m̂ uses β₁ (the gradient's average), v̂ uses β₂"},
		}, "return m[i]/(1 − β₁ᵗ) and v[i]/(1 − β₂ᵗ) in two new slices (math.Pow)")
	})
}
