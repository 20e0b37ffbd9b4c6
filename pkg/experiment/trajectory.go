package experiment

import (
	"fmt"
	"math"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	mlctx "github.com/gomlx/gomlx/ml/model"
)

// Path is an optimizer's trajectory on a 2-D test function: the points
// visited (index 0 = start) and the function values there.
type Path struct {
	X, Y, F []float64
	// Diverged is true when the iterate became non-finite or the function
	// value broke optim.Divergence (with its default factor).
	Diverged bool
}

// Trajectory2D runs opt on f from start for steps updates, in float64 on a
// GoMLX graph (line-search methods through optim.Minimize with the graph's
// gradient).
func Trajectory2D(b compute.Backend, f data.Function2D, opt *optim.Optimizer, start [2]float64, steps int) (path Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("trajectory of %s on %s: %v", opt.Method(), f.Name, r)
		}
	}()
	f0 := f.F(start[0], start[1])
	add := func(x, y float64) bool {
		v := f.F(x, y)
		path.X, path.Y, path.F = append(path.X, x), append(path.Y, y), append(path.F, v)
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) || (optim.Divergence{}).Diverged(f0, v) {
			path.Diverged = true
			return false
		}
		return true
	}
	add(start[0], start[1])
	if opt.FullBatchOnly() {
		fg := graph.MustNewExec(b, func(p *graph.Node) []*graph.Node {
			v := f.Graph(p)
			return []*graph.Node{v, graph.Gradient(v, p)[0]}
		})
		defer fg.Finalize()
		obj := funcObjective{eval: func(x, grad []float64) float64 {
			outs := fg.MustExec([]float64{x[0], x[1]})
			if grad != nil {
				copy(grad, outs[1].Value().([]float64))
			}
			return outs[0].Value().(float64)
		}}
		_, err := optim.Minimize(obj, start[:], opt, optim.Settings{MaxIter: steps, Callback: func(_ int, x []float64, _, _ float64) bool {
			return add(x[0], x[1])
		}})
		return path, err
	}
	ctx := mlctx.NewStore().RootScope()
	pv := ctx.VariableWithValue("p", []float64{start[0], start[1]})
	exec, err := mlctx.NewExec(b, ctx.Store(), func(ctx *mlctx.Scope, g *graph.Graph) *graph.Node {
		v := f.Graph(pv.NodeValue(g))
		opt.UpdateGraph(ctx, g, v)
		return v
	})
	if err != nil {
		return path, err
	}
	defer exec.Finalize()
	for k := 0; k < steps; k++ {
		if _, err := exec.Exec(); err != nil {
			return path, err
		}
		xy := tensors.MustCopyFlatData[float64](pv.MustValue())
		if !add(xy[0], xy[1]) {
			break
		}
	}
	return path, nil
}

type funcObjective struct {
	eval func(x, grad []float64) float64
}

func (funcObjective) Dim() int { return 2 }
func (o funcObjective) Eval(x, grad []float64) (float64, error) {
	return o.eval(x, grad), nil
}

// StepsTo is the first step at which the path is within tol of (x, y), −1
// when it never is.
func (p Path) StepsTo(x, y, tol float64) int {
	for k := range p.X {
		if math.Hypot(p.X[k]-x, p.Y[k]-y) < tol {
			return k
		}
	}
	return -1
}
