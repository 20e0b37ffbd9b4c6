// Package optim holds bgdlab's optimizer family — gradient descent (BGD with
// full batches, SGD with mini-batches), momentum, Nesterov, AdaGrad, RMSprop,
// Adadelta, Adam, AdamW, AMSGrad, NAdam, Adamax, Lion, Polyak steps, Armijo
// line search and L-BFGS — with learning-rate schedules and gradient clipping.
//
// The first-order methods implement GoMLX's optimizer.Interface, so they plug
// into GoMLX training; their update rules follow torch.optim's documented
// algorithms (Lion: its paper and Optax), with state in context variables so
// it checkpoints with the model. Armijo and L-BFGS need the loss at trial
// points and run on an Objective (see Minimize).
package optim

import (
	"errors"
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// StateScope is the absolute context scope under which optimizer state
// (step count, learning rate, moments, accumulators) is stored.
const StateScope = "/bgdlab_optim"

// Optimizer is a configured method. It implements optimizer.Interface.
// Create it with New from a Config; the zero value is not usable.
type Optimizer struct {
	config   Config
	method   string
	params   map[string]float64
	schedule Schedule
}

var _ optimizer.Interface = (*Optimizer)(nil)

// errNesterovZero refuses Nesterov without momentum.
var errNesterovZero = errors.New("optimizer nesterov: momentum=0 makes it plain gd; use momentum in (0, 1) (field Nesterov.Momentum)")

// New returns the optimizer c configures, after c.Validate. Zero fields take
// their defaults.
func New(c Config) (*Optimizer, error) {
	if c == nil {
		return nil, errors.New("optim.New: nil configuration (use optim.GD{}, optim.Adam{}, …)")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = WithDefaults(c)
	return &Optimizer{config: c, method: c.Method(), params: params(c), schedule: Constant()}, nil
}

// MustNew is New for examples and tests: it panics on error.
func MustNew(c Config) *Optimizer {
	o, err := New(c)
	if err != nil {
		panic(err)
	}
	return o
}

// Config returns the configuration, every field resolved (WithDefaults).
func (o *Optimizer) Config() Config { return o.config }

// Method returns the method's name.
func (o *Optimizer) Method() string { return o.method }

// Param returns the value of a hyperparameter (after defaults).
func (o *Optimizer) Param(name string) float64 { return o.params[name] }

// Params returns a copy of all resolved hyperparameters.
func (o *Optimizer) Params() map[string]float64 {
	out := make(map[string]float64, len(o.params))
	for k, v := range o.params {
		out[k] = v
	}
	return out
}

// LR returns the base learning rate (0 for methods without one).
func (o *Optimizer) LR() float64 { return o.params["lr"] }

// Schedule returns the learning-rate schedule (Constant by default).
func (o *Optimizer) Schedule() Schedule { return o.schedule }

// WithSchedule returns a copy of o using schedule s.
func (o *Optimizer) WithSchedule(s Schedule) *Optimizer {
	c := *o
	c.params = o.Params()
	c.schedule = s
	return &c
}

// LRAt returns the learning rate used by update number k (0-based): the base
// rate times the schedule's factor.
func (o *Optimizer) LRAt(k int) float64 { return o.LR() * o.schedule.Factor(k) }

// String formats the optimizer as a spec, listing parameters that differ
// from their defaults, e.g. "momentum:lr=0.1".
func (o *Optimizer) String() string { return o.config.String() }

// FullBatchOnly reports whether the method needs the loss at trial points
// (Armijo, L-BFGS) and so runs through Minimize rather than UpdateGraph.
func (o *Optimizer) FullBatchOnly() bool { return methods[o.method].FullBatchOnly }

// Stats are graph nodes describing one update, for logging.
type Stats struct {
	// GradNorm is the global L2 norm of the gradient before clipping.
	GradNorm *graph.Node
	// UpdateNorm is the global L2 norm of the parameter change.
	UpdateNorm *graph.Node
	// LR is the effective step size of this update (for Polyak, the computed step).
	LR *graph.Node
	// Vars are the updated variables' scope-and-names and VarGradNorms the L2
	// norms of their gradients (before clipping), in the same order.
	Vars         []string
	VarGradNorms []*graph.Node
}

// UpdateGraph implements optimizer.Interface: it adds to g the update of
// every trainable variable of ctx used by g, from the gradient of loss.
func (o *Optimizer) UpdateGraph(ctx *model.Scope, g *graph.Graph, loss *graph.Node) {
	o.UpdateGraphWithStats(ctx, g, loss)
}

// Clear implements optimizer.Interface: it deletes the optimizer's state.
func (o *Optimizer) Clear(ctx *model.Scope) error {
	return ctx.Store().Scope(StateScope).DeleteVariablesInScope()
}

// UpdateGraphWithStats is UpdateGraph that also returns norms and the step
// size, so experiments log them without recomputing the gradient.
func (o *Optimizer) UpdateGraphWithStats(ctx *model.Scope, g *graph.Graph, loss *graph.Node) Stats {
	if o.FullBatchOnly() {
		panic(fmt.Errorf("optimizer %s needs the loss at trial points: use optim.Minimize (or the experiment runner), not UpdateGraph", o.method))
	}
	if !loss.Shape().IsScalar() {
		panic(fmt.Errorf("optimizer %s: loss must be a scalar, got shape %s", o.method, loss.Shape()))
	}
	grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
	return o.UpdateWithGradients(ctx, g, loss, TrainableIn(ctx, g), grads)
}

// TrainableIn lists the trainable variables g uses, in the order
// BuildTrainableVariablesGradientsGraph returns their gradients.
func TrainableIn(ctx *model.Scope, g *graph.Graph) []*model.Variable {
	var vars []*model.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
		}
	}
	return vars
}

// UpdateWithGradients adds to g the update of vars from their gradients
// grads (in the same order), with loss the value they are the gradient of
// (used by Polyak's step). It serves callers that accumulate the gradient
// themselves, as a full-batch step summed over chunks does.
func (o *Optimizer) UpdateWithGradients(ctx *model.Scope, g *graph.Graph, loss *graph.Node, vars []*model.Variable, grads []*graph.Node) Stats {
	if o.FullBatchOnly() {
		panic(fmt.Errorf("optimizer %s needs the loss at trial points: use optim.Minimize (or the experiment runner), not UpdateGraph", o.method))
	}
	if len(vars) != len(grads) {
		panic(fmt.Errorf("optimizer %s: %d trainable variables but %d gradients", o.method, len(vars), len(grads)))
	}
	grads = append([]*graph.Node(nil), grads...) // clipping replaces entries
	dt := loss.DType()
	st := &stepper{o: o, ctx: ctx, g: g, dt: dt}
	stats := Stats{GradNorm: GlobalNorm(grads, dt)}
	for i, v := range vars {
		stats.Vars = append(stats.Vars, v.Path())
		stats.VarGradNorms = append(stats.VarGradNorms, GlobalNorm(grads[i:i+1], dt))
	}
	if stats.GradNorm == nil {
		stats.GradNorm = graph.ScalarZero(g, dt)
	}

	// Clipping, as torch: by value per entry, then by global norm with
	// coefficient max_norm/(norm + 1e-6) clamped to 1.
	if cv := o.params["clip_value"]; cv > 0 {
		for i := range grads {
			grads[i] = graph.ClipScalar(grads[i], -cv, cv)
		}
	}
	if cn := o.params["clip_norm"]; cn > 0 && len(grads) > 0 {
		norm := GlobalNorm(grads, dt)
		coef := graph.MinScalar(graph.Div(graph.Scalar(g, dt, cn), graph.AddScalar(norm, 1e-6)), 1.0)
		for i := range grads {
			grads[i] = graph.Mul(grads[i], graph.ConvertDType(coef, grads[i].DType()))
		}
	}

	// Step count t (1 for the first update) and scheduled learning rate.
	stepVar := ctx.Store().Scope(StateScope).VariableWithValue("step", int64(0)).SetTrainable(false)
	step := graph.AddScalar(stepVar.NodeValue(g), 1)
	stepVar.SetNodeValue(step)
	st.t = graph.ConvertDType(step, dt)
	lrVar := ctx.Store().Scope(StateScope).VariableWithValue("lr", o.LR()).SetTrainable(false)
	lr := graph.ConvertDType(lrVar.NodeValue(g), dt)
	st.lr = graph.Mul(lr, o.schedule.factorGraph(graph.AddScalar(st.t, -1)))

	if o.method == "polyak" {
		st.lr = graph.Mul(polyakRate(o.params, grads, loss, dt), o.schedule.factorGraph(graph.AddScalar(st.t, -1)))
	}
	stats.LR = st.lr

	var updates []*graph.Node
	for i, v := range vars {
		theta := v.NodeValue(g)
		gr := grads[i]
		if gr.DType() != theta.DType() {
			gr = graph.ConvertDType(gr, theta.DType())
		}
		next := st.update(v, theta, gr)
		updates = append(updates, graph.Sub(next, theta))
		v.SetNodeValue(next)
	}
	if o.method == "nadam" {
		st.finishNAdam()
	}
	stats.UpdateNorm = GlobalNorm(updates, dt)
	if stats.UpdateNorm == nil {
		stats.UpdateNorm = graph.ScalarZero(g, dt)
	}
	return stats
}

// GlobalNorm returns √(Σ‖xᵢ‖²) in dtype dt, or nil for no tensors: the
// global L2 norm of a set of gradients (clipping, the gradient-norm penalty).
func GlobalNorm(xs []*graph.Node, dt dtypes.DType) *graph.Node {
	var sum *graph.Node
	for _, x := range xs {
		s := graph.ConvertDType(graph.ReduceAllSum(graph.Square(x)), dt)
		if sum == nil {
			sum = s
		} else {
			sum = graph.Add(sum, s)
		}
	}
	if sum == nil {
		return nil
	}
	return graph.Sqrt(sum)
}

// stepper builds one update for each variable.
type stepper struct {
	o     *Optimizer
	ctx   *model.Scope
	g     *graph.Graph
	dt    dtypes.DType
	t, lr *graph.Node
	// NAdam's running product of μ_t, shared by all variables.
	muProduct, muProductNext, mu, muNext *graph.Node
	muProductVar                         *model.Variable
}

// state returns the optimizer state variable name for v (zero-initialized,
// same shape and dtype as v), under StateScope/method/<v's scope>.
func (s *stepper) state(v *model.Variable, name string) *model.Variable {
	path := StateScope + "/" + s.o.method + v.Scope()
	return s.ctx.Store().Scope(path).WithInitializer(initializer.Zero).
		VariableWithShape(v.Name()+"_"+name, v.Shape()).SetTrainable(false)
}

func (s *stepper) c(x *graph.Node, v float64) *graph.Node { return graph.Scalar(s.g, x.DType(), v) }

// update returns the new value of v (θ, gradient g) under the method's rule.
func (s *stepper) update(v *model.Variable, theta, g *graph.Node) *graph.Node {
	dt := theta.DType()
	t := graph.ConvertDType(s.t, dt)
	u := &varUpdate{s: s, v: v, method: s.o.method, p: s.o.params, theta: theta,
		lr: graph.ConvertDType(s.lr, dt), t: t, first: graph.Equal(t, s.c(t, 1))}
	rule := methods[s.o.method].rule
	if rule == nil {
		panic(fmt.Errorf("optim: method %q has no update rule", s.o.method))
	}
	return rule(u, g)
}

// NAdam's running product of μ_t lives in nadamScope/muProductName; it
// starts at 1 (ResetState puts it back there).
const (
	nadamScope    = StateScope + "/nadam"
	muProductName = "mu_product"
)

// initNAdam computes μ_t, μ_{t+1} and the running products once per graph.
func (s *stepper) initNAdam(t *graph.Node, b1, psi float64) {
	if s.mu != nil {
		return
	}
	t = graph.ConvertDType(t, s.dt)
	muAt := func(k *graph.Node) *graph.Node {
		// β₁·(1 − ½·0.96^(k·ψ))
		return graph.MulScalar(graph.OneMinus(graph.MulScalar(graph.Pow(graph.Scalar(s.g, s.dt, 0.96), graph.MulScalar(k, psi)), 0.5)), b1)
	}
	s.mu = muAt(t)
	s.muNext = muAt(graph.AddScalar(t, 1))
	s.muProductVar = s.ctx.Store().Scope(nadamScope).WithInitializer(initializer.One).
		VariableWithShape(muProductName, graph.ScalarOne(s.g, s.dt).Shape()).SetTrainable(false)
	s.muProduct = graph.Mul(s.muProductVar.NodeValue(s.g), s.mu)
	s.muProductNext = graph.Mul(s.muProduct, s.muNext)
}

func (s *stepper) finishNAdam() {
	if s.muProductVar != nil {
		s.muProductVar.SetNodeValue(s.muProduct)
	}
}
