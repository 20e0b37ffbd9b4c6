// Package stats summarizes repeated measurements (one value per seed): mean,
// sample standard deviation and a Student-t 95% confidence interval, the one
// interval bgdlab's tables, summaries and figure bands use.
package stats

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary is a mean with its sample standard deviation and the half-width of
// its 95% confidence interval across N finite values.
type Summary struct {
	// N counts the finite values summarized (NaN and ±Inf are left out).
	N int
	// Mean is NaN when N = 0.
	Mean float64
	// Std is the sample standard deviation (n − 1 in the denominator); NaN
	// when N < 2.
	Std float64
	// CI95 is t₀.₉₇₅(N−1)·Std/√N; NaN when N < 2.
	CI95 float64
}

// T975 returns Student's t 0.975 quantile for df degrees of freedom (df ≥ 1),
// from gonum's distribution.
func T975(df int) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975)
}

// Summarize summarizes the finite values among values.
func Summarize(values []float64) Summary {
	var xs []float64
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			xs = append(xs, v)
		}
	}
	s := Summary{N: len(xs), Mean: math.NaN(), Std: math.NaN(), CI95: math.NaN()}
	if len(xs) == 0 {
		return s
	}
	s.Mean = stat.Mean(xs, nil)
	if len(xs) < 2 {
		return s
	}
	s.Std = stat.StdDev(xs, nil)
	s.CI95 = T975(len(xs)-1) * s.Std / math.Sqrt(float64(len(xs)))
	return s
}

// Lo is the interval's lower end, Mean − CI95.
func (s Summary) Lo() float64 { return s.Mean - s.CI95 }

// Hi is the interval's upper end, Mean + CI95.
func (s Summary) Hi() float64 { return s.Mean + s.CI95 }

// MaxFinite is the largest finite value of values (NaN and ±Inf left
// out), −Inf when there is none.
func MaxFinite(values []float64) float64 {
	m := math.Inf(-1)
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			m = math.Max(m, v)
		}
	}
	return m
}

// Spread is the largest minus the smallest finite value of values (0 for
// fewer than two).
func Spread(values []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi < lo {
		return 0
	}
	return hi - lo
}
