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
