package optim

// The full-batch methods that need the loss at trial points: Armijo's
// backtracking line search and L-BFGS. They run through Minimize (and
// pkg/train's line-search step), which read their hyperparameters by key.
// Each hyperparameter is declared once, by its field's tags.

// Armijo is full-batch gradient descent with backtracking: it tries LR,
// LR·Rho, … until f(θ − αg) ≤ f(θ) − C·α‖g‖².
type Armijo struct {
	LR        float64 `spec:"lr" default:"1" range:"(0,inf)" doc:"learning rate (step size)"`
	Rho       float64 `spec:"rho" default:"0.5" range:"[0,1)" doc:"backtracking factor"`
	C         float64 `spec:"c" default:"1e-4" range:"(0,1)" doc:"sufficient-decrease constant"`
	MaxTrials int     `spec:"max_trials" default:"30" range:"[1,200]" doc:"maximum backtracking trials per step"`
	Clip
}

// LBFGS is limited-memory BFGS with a backtracking (Armijo) line search from
// a unit step.
type LBFGS struct {
	LR        float64 `spec:"lr" default:"1" range:"(0,inf)" doc:"learning rate (step size)"`
	History   int     `spec:"history" default:"10" range:"[1,1000]" doc:"number of (s, y) pairs kept"`
	Rho       float64 `spec:"rho" default:"0.5" range:"[0,1)" doc:"backtracking factor"`
	C         float64 `spec:"c" default:"1e-4" range:"(0,1)" doc:"sufficient-decrease constant"`
	MaxTrials int     `spec:"max_trials" default:"30" range:"[1,200]" doc:"maximum backtracking trials per step"`
	Clip
}

func (Armijo) Method() string { return "armijo" }
func (LBFGS) Method() string  { return "lbfgs" }

// Validate checks every field against its range tag.
func (c Armijo) Validate() error { return validate(c) }
func (c LBFGS) Validate() error  { return validate(c) }

// String formats the configuration as a spec, e.g. "lbfgs:history=5".
func (c Armijo) String() string { return format(c) }
func (c LBFGS) String() string  { return format(c) }

func init() {
	register(Info{Name: "armijo", New: func() Config { return Armijo{} }, Family: "line-search", FullBatchOnly: true,
		Doc: "full-batch GD with backtracking: try lr, lr·rho, … until f(θ − α g) ≤ f(θ) − c·α‖g‖²"}, nil)
	register(Info{Name: "lbfgs", New: func() Config { return LBFGS{} }, Family: "quasi-newton", FullBatchOnly: true,
		Doc: "limited-memory BFGS with history m and a backtracking (Armijo) line search from a unit step"}, nil)
}
