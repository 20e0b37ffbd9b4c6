package stats_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/stats"
)

// Five seeds' losses: the interval uses t₀.₉₇₅(4) ≈ 2.776.
func Example() {
	s := stats.Summarize([]float64{1, 2, 3, 4, 5, math.NaN()})
	fmt.Printf("n=%d mean=%.1f std=%.4f ci95=%.4f [%.3f, %.3f]\n", s.N, s.Mean, s.Std, s.CI95, s.Lo(), s.Hi())
	// Output: n=5 mean=3.0 std=1.5811 ci95=1.9632 [1.037, 4.963]
}

// The quantiles against the printed table (Fisher & Yates; any statistics
// text), to its three decimals.
func TestT975AgainstPrintedTable(t *testing.T) {
	table := map[int]float64{1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 10: 2.228, 20: 2.086, 30: 2.042, 120: 1.980}
	for df, want := range table {
		if got := stats.T975(df); math.Abs(got-want) > 5e-4 {
			t.Errorf("T975(%d) = %.5f, table %.3f", df, got, want)
		}
	}
	if got := stats.T975(1 << 20); math.Abs(got-1.95996) > 1e-4 {
		t.Errorf("T975(large) = %v, want the normal 1.95996", got)
	}
}

func TestSummarizeEdgeCases(t *testing.T) {
	cases := []struct {
		name     string
		in       []float64
		n        int
		mean     float64
		stdIsNaN bool
	}{
		{"none", nil, 0, math.NaN(), true},
		{"only non-finite", []float64{math.NaN(), math.Inf(1)}, 0, math.NaN(), true},
		{"one", []float64{7}, 1, 7, true},
		{"two equal", []float64{2, 2}, 2, 2, false},
	}
	for _, c := range cases {
		s := stats.Summarize(c.in)
		if s.N != c.n || !(s.Mean == c.mean || math.IsNaN(s.Mean) && math.IsNaN(c.mean)) || math.IsNaN(s.Std) != c.stdIsNaN {
			t.Errorf("%s: got %+v", c.name, s)
		}
	}
	if s := stats.Summarize([]float64{2, 2}); s.CI95 != 0 {
		t.Errorf("equal values: CI95 = %v, want 0", s.CI95)
	}
}

// The interval of 1..5 against closed forms: s = √2.5, and Student's t with
// four degrees of freedom has the quantile 2·√(q−1) with
// q = cos(arccos(√a)/3)/√a, a = 4p(1−p) (Shaw 2006).
func TestSummarizeAgainstClosedForm(t *testing.T) {
	s := stats.Summarize([]float64{1, 2, 3, 4, 5})
	a := 4 * 0.975 * 0.025
	q := math.Cos(math.Acos(math.Sqrt(a))/3) / math.Sqrt(a)
	t4 := 2 * math.Sqrt(q-1)
	want := t4 * math.Sqrt(2.5) / math.Sqrt(5)
	if s.Mean != 3 || math.Abs(s.Std-math.Sqrt(2.5)) > 1e-12 || math.Abs(s.CI95-want) > 1e-9 {
		t.Fatalf("got %+v, want CI95 %v (t₄ = %v)", s, want, t4)
	}
}

// TestMaxFinite leaves NaN and ±Inf out, and is −Inf when nothing is left.
func TestMaxFinite(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{1, math.NaN(), 3, math.Inf(1), -2}, 3},
		{[]float64{math.NaN(), math.Inf(-1)}, math.Inf(-1)},
		{nil, math.Inf(-1)},
	} {
		if got := stats.MaxFinite(tc.in); got != tc.want {
			t.Errorf("MaxFinite(%v) = %g, want %g", tc.in, got, tc.want)
		}
	}
}

// TestSpread is max − min of the finite values.
func TestSpread(t *testing.T) {
	if got := stats.Spread([]float64{3, math.NaN(), -1, 2, math.Inf(1)}); got != 4 {
		t.Errorf("Spread = %g, want 4", got)
	}
	if got := stats.Spread([]float64{5}); got != 0 {
		t.Errorf("Spread of one value = %g, want 0", got)
	}
}
