package backend

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
)

// Check runs a tiny computation (a 2×3 by 3×2 matrix product and the gradient
// of its sum) on b and compares it with the value computed on the host. Setup
// uses it to decide whether an installed PJRT plugin really works.
func Check(b compute.Backend) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("backend %s failed a tiny computation: %v", b.Name(), r)
		}
	}()
	a := [][]float32{{1, 2, 3}, {4, 5, 6}}
	m := [][]float32{{1, 0}, {0, 1}, {1, 1}}
	exec, err := graph.NewExec(b, func(x, y *graph.Node) []*graph.Node {
		p := graph.DotProduct(x, y)
		grads := graph.Gradient(graph.ReduceAllSum(p), x)
		return []*graph.Node{p, grads[0]}
	})
	if err != nil {
		return fmt.Errorf("backend %s failed to build a tiny graph: %w", b.Name(), err)
	}
	defer exec.Finalize()
	outs, err := exec.Exec(a, m)
	if err != nil {
		return fmt.Errorf("backend %s failed a tiny computation: %w", b.Name(), err)
	}
	got := outs[0].Value().([][]float32)
	want := [][]float32{{4, 5}, {10, 11}}
	gotGrad := outs[1].Value().([][]float32)
	wantGrad := [][]float32{{1, 1, 2}, {1, 1, 2}} // row sums of m, per row of a
	for i := range want {
		for j := range want[i] {
			if math.Abs(float64(got[i][j]-want[i][j])) > 1e-5 {
				return fmt.Errorf("backend %s computed a wrong matrix product: got %v, want %v", b.Name(), got, want)
			}
		}
		for j := range wantGrad[i] {
			if math.Abs(float64(gotGrad[i][j]-wantGrad[i][j])) > 1e-5 {
				return fmt.Errorf("backend %s computed a wrong gradient: got %v, want %v", b.Name(), gotGrad, wantGrad)
			}
		}
	}
	for _, t := range outs {
		t.FinalizeAll()
	}
	return nil
}
