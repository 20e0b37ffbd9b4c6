package optim

import "github.com/gomlx/gomlx/core/graph"

// The SGD family: plain gradient descent, heavy-ball momentum and Nesterov
// momentum, after torch.optim.SGD. Each hyperparameter is declared once, by
// its field's tags; its rule below reads it by key.

// GD is plain gradient descent θ ← θ − LR·(g + WeightDecay·θ): BGD with full
// batches, SGD with mini-batches.
type GD struct {
	LR          float64 `spec:"lr" default:"0.01" range:"(0,inf)" doc:"learning rate (step size)"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	// GradPenalty is ρ of the gradient-norm penalty (ρ/2)·‖∇L‖² (Geiping
	// et al., ICLR 2022: their λ at step η is ρ = λη/4): the step adds
	// ρ·H·g, H·g by a finite difference at θ + ε·g/‖g‖ — one more forward
	// and backward pass per step (pkg/train).
	GradPenalty float64 `spec:"grad_penalty" range:"[0,inf)" doc:"ρ: add ρ·H·g, the gradient of (ρ/2)‖∇L‖² (Geiping et al. 2022's penalty; their λ at step η is ρ = λη/4), H·g by a finite difference (0: off)"`
	PenaltyEps  float64 `spec:"penalty_eps" default:"0.01" range:"(0,inf)" doc:"ε of H·g ≈ ‖g‖·(∇L(θ + ε·g/‖g‖) − g)/ε"`
	Clip
}

// Momentum is the heavy ball (torch SGD, nesterov=False):
// b ← μb + (1−τ)g; θ ← θ − LR·b. Momentum = spec.Zero gives plain GD.
type Momentum struct {
	LR          float64 `spec:"lr" default:"0.01" range:"(0,inf)" doc:"learning rate (step size)"`
	Momentum    float64 `spec:"momentum" default:"0.9" range:"[0,1)" doc:"momentum factor μ"`
	Dampening   float64 `spec:"dampening" range:"[0,1]" doc:"dampening τ for the momentum buffer"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	Clip
}

// Nesterov is Nesterov momentum (torch SGD, nesterov=True):
// b ← μb + g; θ ← θ − LR·(g + μb). Momentum must be positive.
type Nesterov struct {
	LR          float64 `spec:"lr" default:"0.01" range:"(0,inf)" doc:"learning rate (step size)"`
	Momentum    float64 `spec:"momentum" default:"0.9" range:"[0,1)" doc:"momentum factor μ"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	Clip
}

func (GD) Method() string       { return "gd" }
func (Momentum) Method() string { return "momentum" }
func (Nesterov) Method() string { return "nesterov" }

// Validate checks every field against its range tag.
func (c GD) Validate() error       { return validate(c) }
func (c Momentum) Validate() error { return validate(c) }

// Validate checks every field; Momentum = spec.Zero is refused (that is GD).
func (c Nesterov) Validate() error {
	if err := validate(c); err != nil {
		return err
	}
	if params(c)["momentum"] == 0 {
		return errNesterovZero
	}
	return nil
}

// String formats the configuration as a spec, e.g. "gd:lr=0.1".
func (c GD) String() string       { return format(c) }
func (c Momentum) String() string { return format(c) }
func (c Nesterov) String() string { return format(c) }

func init() {
	register(Info{Name: "gd", New: func() Config { return GD{} }, Family: "sgd",
		Doc: "plain gradient descent θ ← θ − lr·(g + wd·θ); full batch = BGD, mini-batch = SGD"}, gdRule)
	register(Info{Name: "momentum", New: func() Config { return Momentum{} }, Family: "sgd",
		Doc: "heavy ball (torch SGD, nesterov=False): b ← μb + (1−τ)g; θ ← θ − lr·b"}, momentumRule)
	register(Info{Name: "nesterov", New: func() Config { return Nesterov{} }, Family: "sgd",
		Doc: "Nesterov momentum (torch SGD, nesterov=True): b ← μb + g; θ ← θ − lr·(g + μb)"}, momentumRule)
}

func gdRule(u *varUpdate, g *graph.Node) *graph.Node {
	return graph.Sub(u.theta, graph.Mul(u.lr, u.coupled(g)))
}

func momentumRule(u *varUpdate, g *graph.Node) *graph.Node {
	g = u.coupled(g)
	mu, damp := u.p["momentum"], u.p["dampening"]
	bv := u.state("momentum_buffer")
	bNew := graph.Add(graph.MulScalar(u.value(bv), mu), graph.MulScalar(g, 1-damp))
	bNew = graph.Where(u.first, g, bNew) // torch: the buffer starts as g
	bv.SetNodeValue(bNew)
	d := bNew
	if u.method == "nesterov" {
		d = graph.Add(g, graph.MulScalar(bNew, mu))
	}
	return graph.Sub(u.theta, graph.Mul(u.lr, d))
}
