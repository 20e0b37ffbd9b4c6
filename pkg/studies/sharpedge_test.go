package studies

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
)

// The momentum-edge runs share one edge value, squaredEdgeFraction of
// λmax(θ₀), so heavy ball's step is 1+β times GD's; both start above it.
func TestMomentumEdgeRunsShareTheEdge(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	s := &Env{Backend: b, Ctx: context.Background(), Results: filepath.Join(t.TempDir(), "results")}
	runs, l0, err := momentumEdge(s, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Momentum != 0 || runs[1].Momentum != edgeMomentum {
		t.Fatalf("runs %+v, want GD then heavy ball", runs)
	}
	e := squaredEdgeFraction * l0
	for _, r := range runs {
		if math.Abs(r.Edge()-e) > 1e-12*e || math.Abs(r.LambdaMax[0]-l0) > 1e-9*l0 || len(r.LambdaMax) < 2 {
			t.Errorf("η %g β %g: edge %g (want %g), λmax %v (λmax(θ₀) %g)", r.LR, r.Momentum, r.Edge(), e, r.LambdaMax, l0)
		}
	}
	if got := runs[1].LR / runs[0].LR; math.Abs(got-(1+edgeMomentum)) > 1e-12 {
		t.Errorf("heavy ball's step is %g× GD's, want 1+β = %g", got, 1+edgeMomentum)
	}
}
