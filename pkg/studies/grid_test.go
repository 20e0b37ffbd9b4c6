package studies

import "testing"

func TestAtGridEdge(t *testing.T) {
	grid := []any{0.01, 0.03, 0.1}
	for _, tc := range []struct {
		lr   float64
		grid []any
		want bool
	}{
		{0.01, grid, true}, {0.1, grid, true}, {0.03, grid, false},
		{0.1 * (1 + 1e-12), grid, true}, // parsed back from a spec string
		{0.3, []any{0.1, 0.3}, false},   // two points: every choice is an edge, not flagged
		{1e-3, []any{3e-3, 1e-3, 3e-4}, false},
	} {
		if got := atGridEdge(tc.lr, tc.grid); got != tc.want {
			t.Errorf("atGridEdge(%g, %v) = %v, want %v", tc.lr, tc.grid, got, tc.want)
		}
	}
}

// Every outcome of the vanishing-gradient claim is reachable.
func TestVanishingVerdict(t *testing.T) {
	for _, tc := range []struct {
		vanish, ln, he float64
		want           Verdict
	}{
		{1e-6, 0.5, 0.8, Supported},
		{0.5, 0.5, 0.8, Refuted},    // plain sigmoid does not vanish
		{1e-6, 1e-5, 1e-4, Refuted}, // neither remedy helps
		{1e-6, 1e-5, 0.8, Nuanced},  // only He helps
		{1e-2, 0.5, 0.8, Nuanced},   // in between
	} {
		if got := vanishingVerdict(tc.vanish, tc.ln, tc.he); got != tc.want {
			t.Errorf("vanishingVerdict(%g, %g, %g) = %s, want %s", tc.vanish, tc.ln, tc.he, got, tc.want)
		}
	}
}
