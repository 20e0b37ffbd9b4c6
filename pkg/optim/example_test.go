package optim_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Optimizers are typed configurations: zero fields take their documented
// defaults, Validate names a bad field, String prints the CLI's spec.
func ExampleAdam() {
	c := optim.Adam{LR: 3e-4, Beta2: 0.99}
	fmt.Println(c)
	fmt.Printf("%#v\n", optim.WithDefaults(c))
	fmt.Println(optim.Adam{Beta1: 1.2}.Validate())
	// Output:
	// adam:lr=0.0003,beta2=0.99
	// optim.Adam{LR:0.0003, Beta1:0.9, Beta2:0.99, Eps:1e-08, WeightDecay:0, Clip:optim.Clip{Value:0, Norm:0}}
	// optimizer adam: beta1=1.2 is outside its valid range [0, 1) (field Adam.Beta1)
}

// The command line's specs parse into the same types.
func ExampleParse() {
	c, err := optim.Parse("momentum:lr=0.1,mu=0.5")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%#v\n", c)
	_, err = optim.Parse("adam:beta3=0.5")
	fmt.Println(err)
	// Output:
	// optim.Momentum{LR:0.1, Momentum:0.5, Dampening:0, WeightDecay:0, Clip:optim.Clip{Value:0, Norm:0}}
	// optimizer adam: unknown parameter "beta3" (valid: lr, beta1, beta2, eps, weight_decay, clip_value, clip_norm)
}

// An Optimizer is a GoMLX optimizer.Interface: it adds the update of every
// trainable variable to the graph that computes the loss. Here: full-batch
// gradient descent (BGD) on f(θ) = (θ − 3)².
func ExampleOptimizer_UpdateGraph() {
	b := backend.MustNew()
	defer b.Finalize()
	ctx := model.NewStore().RootScope()
	theta := ctx.VariableWithValue("theta", 0.0)
	opt := optim.MustNew(optim.GD{LR: 0.25})
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
	opt := optim.MustNew(optim.Nesterov{LR: 0.1, Momentum: 0.9}).WithSchedule(s)
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
	res, err := optim.Minimize(q, ones(50), optim.MustNew(optim.LBFGS{History: 10}), optim.Settings{GradTol: 1e-8})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.F < 1e-12)
	// Output:
	// converged true
}
