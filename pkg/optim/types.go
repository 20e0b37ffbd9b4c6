package optim

// The typed configurations, one per method. Defaults are torch.optim's
// unless noted; a zero field takes its default. Ranges are checked by
// Validate (and listed by `bgdlab optimizers`).

// GD is plain gradient descent θ ← θ − LR·(g + WeightDecay·θ): BGD with full
// batches, SGD with mini-batches.
type GD struct {
	// LR is the learning rate (step size), in (0, ∞). Default 0.01.
	LR float64 `spec:"lr"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	// GradPenalty is ρ of the gradient-norm penalty (ρ/2)·‖∇L‖² (Geiping
	// et al., ICLR 2022: their λ at step η is ρ = λη/4): the step adds
	// ρ·H·g, H·g by a finite difference at θ + ε·g/‖g‖ — one more forward
	// and backward pass per step (pkg/train). Default 0 (off).
	GradPenalty float64 `spec:"grad_penalty"`
	// PenaltyEps is that finite difference's ε, > 0. Default 0.01.
	PenaltyEps float64 `spec:"penalty_eps"`
	Clip
}

// Momentum is the heavy ball (torch SGD, nesterov=False):
// b ← μb + (1−τ)g; θ ← θ − LR·b.
type Momentum struct {
	// LR is the learning rate, in (0, ∞). Default 0.01.
	LR float64 `spec:"lr"`
	// Momentum is μ, in [0, 1). Default 0.9 (Zero gives plain GD).
	Momentum float64 `spec:"momentum"`
	// Dampening is τ, in [0, 1]. Default 0.
	Dampening float64 `spec:"dampening"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	Clip
}

// Nesterov is Nesterov momentum (torch SGD, nesterov=True):
// b ← μb + g; θ ← θ − LR·(g + μb).
type Nesterov struct {
	// LR is the learning rate, in (0, ∞). Default 0.01.
	LR float64 `spec:"lr"`
	// Momentum is μ, in (0, 1). Default 0.9.
	Momentum float64 `spec:"momentum"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	Clip
}

// AdaGrad accumulates squared gradients: s ← s + g²;
// θ ← θ − LR/(1 + (t−1)·LRDecay)·g/(√s + Eps).
type AdaGrad struct {
	// LR is the learning rate, in (0, ∞). Default 0.01.
	LR float64 `spec:"lr"`
	// LRDecay decays the rate per step, in [0, ∞). Default 0.
	LRDecay float64 `spec:"lr_decay"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	// InitialAccumulator is s's starting value, in [0, ∞). Default 0.
	InitialAccumulator float64 `spec:"initial_accumulator_value"`
	// Eps is added to the denominator, in (0, ∞). Default 1e-10.
	Eps float64 `spec:"eps"`
	Clip
}

// RMSprop divides by a running root mean square of the gradients:
// v ← αv + (1−α)g²; θ ← θ − LR·g/(√ṽ + Eps).
type RMSprop struct {
	// LR is the learning rate, in (0, ∞). Default 0.01.
	LR float64 `spec:"lr"`
	// Alpha is the smoothing constant α, in [0, 1). Default 0.99.
	Alpha float64 `spec:"alpha"`
	// Eps is added to the denominator, in (0, ∞). Default 1e-8.
	Eps float64 `spec:"eps"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	// Momentum applies heavy-ball momentum to the scaled step, in [0, 1).
	// Default 0.
	Momentum float64 `spec:"momentum"`
	// Centered normalizes by the estimated variance ṽ = v − ḡ² instead of v.
	// Default false.
	Centered bool `spec:"centered"`
	Clip
}

// Adadelta: v ← ρv + (1−ρ)g²; Δ = √(u+Eps)/√(v+Eps)·g; u ← ρu + (1−ρ)Δ²;
// θ ← θ − LR·Δ.
type Adadelta struct {
	// LR scales the step, in (0, ∞). Default 1.
	LR float64 `spec:"lr"`
	// Rho is the decay ρ of the running averages, in [0, 1). Default 0.9.
	Rho float64 `spec:"rho"`
	// Eps is added inside the square roots, in (0, ∞). Default 1e-6.
	Eps float64 `spec:"eps"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	Clip
}

// Adam with bias correction: θ ← θ − LR·m̂/(√v̂ + Eps).
type Adam struct {
	// LR is the learning rate, in (0, ∞). Default 1e-3.
	LR float64 `spec:"lr"`
	// Beta1 is the first-moment decay β₁, in [0, 1). Default 0.9.
	Beta1 float64 `spec:"beta1"`
	// Beta2 is the second-moment decay β₂, in [0, 1). Default 0.999.
	Beta2 float64 `spec:"beta2"`
	// Eps is added to the denominator, in (0, ∞). Default 1e-8.
	Eps float64 `spec:"eps"`
	// WeightDecay is the L2 penalty added to the gradient (coupled). Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	Clip
}

// AdamW is Adam with decoupled weight decay: θ ← θ − LR·WeightDecay·θ, then
// the Adam step.
type AdamW struct {
	// LR is the learning rate, in (0, ∞). Default 1e-3.
	LR float64 `spec:"lr"`
	// Beta1 is the first-moment decay β₁, in [0, 1). Default 0.9.
	Beta1 float64 `spec:"beta1"`
	// Beta2 is the second-moment decay β₂, in [0, 1). Default 0.999.
	Beta2 float64 `spec:"beta2"`
	// Eps is added to the denominator, in (0, ∞). Default 1e-8.
	Eps float64 `spec:"eps"`
	// WeightDecay is the decoupled weight decay, in [0, ∞). Default 0.01.
	WeightDecay float64 `spec:"weight_decay"`
	Clip
}

// AMSGrad is Adam whose v̂ is the running maximum of v.
type AMSGrad struct {
	// LR is the learning rate, in (0, ∞). Default 1e-3.
	LR float64 `spec:"lr"`
	// Beta1 is the first-moment decay β₁, in [0, 1). Default 0.9.
	Beta1 float64 `spec:"beta1"`
	// Beta2 is the second-moment decay β₂, in [0, 1). Default 0.999.
	Beta2 float64 `spec:"beta2"`
	// Eps is added to the denominator, in (0, ∞). Default 1e-8.
	Eps float64 `spec:"eps"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	Clip
}

// NAdam is Adam with Nesterov momentum and torch's momentum-decay schedule.
type NAdam struct {
	// LR is the learning rate, in (0, ∞). Default 2e-3.
	LR float64 `spec:"lr"`
	// Beta1 is the first-moment decay β₁, in [0, 1). Default 0.9.
	Beta1 float64 `spec:"beta1"`
	// Beta2 is the second-moment decay β₂, in [0, 1). Default 0.999.
	Beta2 float64 `spec:"beta2"`
	// Eps is added to the denominator, in (0, ∞). Default 1e-8.
	Eps float64 `spec:"eps"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	// MomentumDecay is ψ in μ_t = β₁(1 − ½·0.96^(tψ)), in [0, ∞).
	// Default 4e-3.
	MomentumDecay float64 `spec:"momentum_decay"`
	Clip
}

// Adamax: u ← max(β₂u, |g| + Eps); θ ← θ − LR/(1−β₁ᵗ)·m/u.
type Adamax struct {
	// LR is the learning rate, in (0, ∞). Default 2e-3.
	LR float64 `spec:"lr"`
	// Beta1 is the first-moment decay β₁, in [0, 1). Default 0.9.
	Beta1 float64 `spec:"beta1"`
	// Beta2 is the infinity-norm decay β₂, in [0, 1). Default 0.999.
	Beta2 float64 `spec:"beta2"`
	// Eps is added to |g|, in (0, ∞). Default 1e-8.
	Eps float64 `spec:"eps"`
	// WeightDecay is the L2 penalty added to the gradient. Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	Clip
}

// Lion (Chen et al. 2023; Optax's lion):
// θ ← θ − LR·(sign(β₁m + (1−β₁)g) + WeightDecay·θ); m ← β₂m + (1−β₂)g.
type Lion struct {
	// LR is the learning rate, in (0, ∞). Default 1e-4.
	LR float64 `spec:"lr"`
	// Beta1 is the interpolation β₁, in [0, 1). Default 0.9.
	Beta1 float64 `spec:"beta1"`
	// Beta2 is the momentum decay β₂, in [0, 1). Default 0.99.
	Beta2 float64 `spec:"beta2"`
	// WeightDecay is the decoupled weight decay, in [0, ∞). Default 0.
	WeightDecay float64 `spec:"weight_decay"`
	Clip
}

// Polyak is gradient descent with Polyak's step
// γ = min(MaxLR, (f(θ) − f*)/(‖g‖² + Eps)).
type Polyak struct {
	// FStar is the optimal (or an estimated lowest) loss f*. Default 0.
	FStar float64 `spec:"f_star"`
	// MaxLR caps the step size, in (0, ∞). Default 10.
	MaxLR float64 `spec:"max_lr"`
	// Eps is added to ‖g‖², in (0, ∞). Default 1e-12.
	Eps float64 `spec:"eps"`
	Clip
}

// Armijo is full-batch gradient descent with backtracking: it tries LR,
// LR·Rho, … until f(θ − αg) ≤ f(θ) − C·α‖g‖². It runs through Minimize.
type Armijo struct {
	// LR is the first trial step, in (0, ∞). Default 1.
	LR float64 `spec:"lr"`
	// Rho is the backtracking factor, in [0, 1). Default 0.5.
	Rho float64 `spec:"rho"`
	// C is the sufficient-decrease constant, in (0, 1). Default 1e-4.
	C float64 `spec:"c"`
	// MaxTrials bounds the backtracking trials per step, in [1, 200].
	// Default 30.
	MaxTrials int `spec:"max_trials"`
	Clip
}

// LBFGS is limited-memory BFGS with a backtracking (Armijo) line search from a
// unit step. It runs through Minimize.
type LBFGS struct {
	// LR scales the first trial step, in (0, ∞). Default 1.
	LR float64 `spec:"lr"`
	// History is the number m of (s, y) pairs kept, in [1, 1000]. Default 10.
	History int `spec:"history"`
	// Rho is the backtracking factor, in [0, 1). Default 0.5.
	Rho float64 `spec:"rho"`
	// C is the sufficient-decrease constant, in (0, 1). Default 1e-4.
	C float64 `spec:"c"`
	// MaxTrials bounds the backtracking trials per step, in [1, 200].
	// Default 30.
	MaxTrials int `spec:"max_trials"`
	Clip
}

// Method names the registered method.
func (GD) Method() string       { return "gd" }
func (Momentum) Method() string { return "momentum" }
func (Nesterov) Method() string { return "nesterov" }
func (AdaGrad) Method() string  { return "adagrad" }
func (RMSprop) Method() string  { return "rmsprop" }
func (Adadelta) Method() string { return "adadelta" }
func (Adam) Method() string     { return "adam" }
func (AdamW) Method() string    { return "adamw" }
func (AMSGrad) Method() string  { return "amsgrad" }
func (NAdam) Method() string    { return "nadam" }
func (Adamax) Method() string   { return "adamax" }
func (Lion) Method() string     { return "lion" }
func (Polyak) Method() string   { return "polyak" }
func (Armijo) Method() string   { return "armijo" }
func (LBFGS) Method() string    { return "lbfgs" }

// Validate checks every field against its documented range.
func (c GD) Validate() error       { return validate(c) }
func (c Momentum) Validate() error { return validate(c) }
func (c AdaGrad) Validate() error  { return validate(c) }
func (c RMSprop) Validate() error  { return validate(c) }
func (c Adadelta) Validate() error { return validate(c) }
func (c Adam) Validate() error     { return validate(c) }
func (c AdamW) Validate() error    { return validate(c) }
func (c AMSGrad) Validate() error  { return validate(c) }
func (c NAdam) Validate() error    { return validate(c) }
func (c Adamax) Validate() error   { return validate(c) }
func (c Lion) Validate() error     { return validate(c) }
func (c Polyak) Validate() error   { return validate(c) }
func (c Armijo) Validate() error   { return validate(c) }
func (c LBFGS) Validate() error    { return validate(c) }

// Validate checks every field; Momentum = Zero is refused (that is GD).
func (c Nesterov) Validate() error {
	if err := validate(c); err != nil {
		return err
	}
	if params(c)["momentum"] == 0 {
		return errNesterovZero
	}
	return nil
}

// String formats the configuration as a spec, e.g. "adam:lr=0.0003".
func (c GD) String() string       { return format(c) }
func (c Momentum) String() string { return format(c) }
func (c Nesterov) String() string { return format(c) }
func (c AdaGrad) String() string  { return format(c) }
func (c RMSprop) String() string  { return format(c) }
func (c Adadelta) String() string { return format(c) }
func (c Adam) String() string     { return format(c) }
func (c AdamW) String() string    { return format(c) }
func (c AMSGrad) String() string  { return format(c) }
func (c NAdam) String() string    { return format(c) }
func (c Adamax) String() string   { return format(c) }
func (c Lion) String() string     { return format(c) }
func (c Polyak) String() string   { return format(c) }
func (c Armijo) String() string   { return format(c) }
func (c LBFGS) String() string    { return format(c) }
