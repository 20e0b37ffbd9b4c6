package backend_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestParallelSchedulerStillDeadlocks is why backend.DefaultGoOptions is
// ops_sequential. GoMLX's parallel op scheduler runs independent ops as
// worker-pool tasks, and each large matrix product then calls the pool's
// Saturate, which waits for a free worker that never comes once every
// worker holds such an op (compute v0.1.2 and still v0.1.3, workerspool.go). Eight independent
// 512³ products on two workers reproduce it; if they finish, upstream fixed
// the scheduler and ops_sequential can go.
func TestParallelSchedulerStillDeadlocks(t *testing.T) {
	if strings.HasPrefix(os.Getenv("BGDLAB_BACKEND"), "xla") {
		t.Skip("a test of the go backend: it runs in the go pass of scripts/test")
	}
	const n, k = 512, 8
	products := func(a, c *graph.Node) []*graph.Node {
		var outs []*graph.Node
		for i := 0; i < k; i++ {
			outs = append(outs, graph.ReduceAllSum(graph.DotProduct(graph.AddScalar(a, float64(i)), c)))
		}
		return outs
	}
	inputs := func() (*tensors.Tensor, *tensors.Tensor) {
		return tensors.FromShape(shapes.Make(dtypes.Float32, n, n)), tensors.FromShape(shapes.Make(dtypes.Float32, n, n))
	}

	// The same work with bgdlab's default options, to know how long it takes.
	seq, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	a, c := inputs()
	start := time.Now()
	for i := 0; i < 5; i++ {
		if _, err := graph.MustNewExec(seq, products).Exec(a, c); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	seq.Finalize()
	if elapsed > 5*time.Second {
		t.Skipf("5×8 products took %v in sequence: too slow here for a 20 s deadlock timeout to mean anything", elapsed)
	}

	b, err := backend.NewWithConfig("go:ops_parallel,parallelism=2")
	if err != nil {
		t.Fatal(err)
	}
	// Not finalized: on a deadlock its goroutines never return.
	exec, err := graph.NewExec(b, products)
	if err != nil {
		t.Fatal(err)
	}
	a, c = inputs()
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 5; i++ {
			if _, err := exec.Exec(a, c); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		t.Fatal("GoMLX's parallel op scheduler ran 5×8 concurrent matrix products without deadlocking: consider dropping ops_sequential from backend.DefaultGoOptions")
	case <-time.After(20 * time.Second):
		t.Logf("deadlock reproduced: the parallel scheduler did not finish 5×8 independent 512³ products in 20 s (%v in sequence)", elapsed)
	}
}
