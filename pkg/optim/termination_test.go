package optim_test

import (
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/optim"
)

func TestDivergenceRule(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		d     optim.Divergence
		f0, f float64
		want  bool
	}{
		{optim.Divergence{}, 0.5, 0.99e6, false}, // max(|f₀|, 1) = 1
		{optim.Divergence{}, 0.5, 1.01e6, true},
		{optim.Divergence{}, 10, 0.99e7, false},
		{optim.Divergence{}, 10, 1.01e7, true},
		{optim.Divergence{}, -10, 1.01e7, true}, // |f₀|
		{optim.Divergence{}, 1, math.NaN(), true},
		{optim.Divergence{}, 1, -inf, true},
		{optim.Divergence{BlowUp: 10}, 2, 21, true},
		{optim.Divergence{BlowUp: 10}, 2, 19, false},
		{optim.Divergence{BlowUp: inf}, 1, 1e300, false},
		{optim.Divergence{BlowUp: inf}, 1, inf, true},
	}
	for _, tc := range cases {
		if got := tc.d.Diverged(tc.f0, tc.f); got != tc.want {
			t.Errorf("%+v.Diverged(%g, %g) = %v, want %v", tc.d, tc.f0, tc.f, got, tc.want)
		}
	}
}

// halfSquare is f(x) = x²/2 in one dimension (f” = 1).
type halfSquare struct{}

func (halfSquare) Dim() int { return 1 }
func (halfSquare) Eval(x, grad []float64) (float64, error) {
	if grad != nil {
		grad[0] = x[0]
	}
	return x[0] * x[0] / 2, nil
}

// Minimize applies the same rule as the training loop: fixed-step GD at
// lr = 3 multiplies x by −2 per step, so f grows 4× per step from f₀ = 0.5
// and passes 10⁶·max(f₀, 1) after 11 updates (4¹⁰/2 ≈ 5.2·10⁵ < 10⁶ <
// 4¹¹/2 ≈ 2.1·10⁶); it stops there as Diverged, long before f overflows. The other statuses carry
// their reasons.
func TestMinimizeStatuses(t *testing.T) {
	cases := []struct {
		name   string
		cfg    optim.Config
		s      optim.Settings
		status optim.Status
		iters  int
		reason string
	}{
		{"blow-up", optim.GD{LR: 3}, optim.Settings{MaxIter: 1000}, optim.Diverged, 11, "loss"},
		{"blow-up factor", optim.GD{LR: 3}, optim.Settings{MaxIter: 1000, BlowUp: 100}, optim.Diverged, 4, "loss"},
		{"budget", optim.GD{LR: 0.5}, optim.Settings{MaxIter: 7}, optim.Budget, 7, ""},
		{"tolerance", optim.GD{LR: 0.5}, optim.Settings{MaxIter: 100, GradTol: 1e-3}, optim.Converged, 10, "grad_tol"},
		{"callback", optim.GD{LR: 0.5}, optim.Settings{MaxIter: 100, Callback: func(it int, _ []float64, _, _ float64) bool { return it < 3 }}, optim.Budget, 3, optim.StoppedByCallback},
	}
	for _, tc := range cases {
		res, err := optim.Minimize(halfSquare{}, []float64{1}, optim.MustNew(tc.cfg), tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != tc.status || res.Stats.Iterations != tc.iters || (tc.reason == "") != (res.Reason == "") {
			t.Errorf("%s: status %s after %d updates (reason %q), want %s after %d", tc.name, res.Status, res.Stats.Iterations, res.Reason, tc.status, tc.iters)
		}
		if tc.reason != "" && !strings.Contains(res.Reason, tc.reason) {
			t.Errorf("%s: reason %q, want it to mention %q", tc.name, res.Reason, tc.reason)
		}
	}
}
