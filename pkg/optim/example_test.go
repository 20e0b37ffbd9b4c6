package optim_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Optimizers are named with the same spec grammar on the command line and in Go.
func ExampleParse() {
	opt, err := optim.Parse("adam:lr=3e-4,beta2=0.99")
	if err != nil {
		panic(err)
	}
	fmt.Println(opt.Method(), opt.LR(), opt.Param("beta1"), opt.Param("beta2"), opt.Param("eps"))
	_, err = optim.Parse("adam:beta1=1.2")
	fmt.Println(err)
	// Output:
	// adam 0.0003 0.9 0.99 1e-08
	// optimizer adam: beta1=1.2 is outside its valid range [0, 1)
}

// An Optimizer is a GoMLX optimizer.Interface: it adds the update of every
// trainable variable to the graph that computes the loss. Here: full-batch
// gradient descent (BGD) on f(θ) = (θ − 3)².
func ExampleOptimizer_UpdateGraph() {
	b := backend.MustNew()
	defer b.Finalize()
	ctx := model.NewStore().RootScope()
	theta := ctx.VariableWithValue("theta", 0.0)
	opt := optim.MustParse("gd:lr=0.25")
	step := model.MustNewExec(b, ctx.Store(), func(ctx *model.Scope, g *graph.Graph) *graph.Node {
		loss := graph.Square(graph.AddScalar(theta.NodeValue(g), -3))
		opt.UpdateGraph(ctx, g, loss)
		return loss
	})
	for k := 0; k < 4; k++ {
		step.MustExec()
		fmt.Printf("θ_%d = %.4f\n", k+1, theta.MustValue().Value())
	}
	// Output:
	// θ_1 = 1.5000
	// θ_2 = 2.2500
	// θ_3 = 2.6250
	// θ_4 = 2.8125
}

// Momentum methods and schedules compose: Nesterov with a cosine decay.
func ExampleParseSchedule() {
	s, err := optim.ParseSchedule("cosine:steps=100,min=0.1,warmup=10")
	if err != nil {
		panic(err)
	}
	opt := optim.MustParse("nesterov:lr=0.1,momentum=0.9").WithSchedule(s)
	for _, k := range []int{0, 9, 50, 100} {
		fmt.Printf("lr at update %d: %.4f\n", k, opt.LRAt(k))
	}
	// Output:
	// lr at update 0: 0.0100
	// lr at update 9: 0.0982
	// lr at update 50: 0.0550
	// lr at update 100: 0.0100
}

// Line-search and quasi-Newton methods need the loss at trial points; they
// run on an Objective.
func ExampleMinimize() {
	q := newQuadratic(1, 50, 1, 1000) // ½θᵀAθ, κ = 1000
	res, err := optim.Minimize(q, ones(50), optim.MustParse("lbfgs:history=10"), optim.Settings{GradTol: 1e-8})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.F < 1e-12)
	// Output:
	// converged true
}
