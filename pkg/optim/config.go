package optim

import (
	"fmt"
	"reflect"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Config is the typed configuration of one method: GD, Momentum, Nesterov,
// AdaGrad, RMSprop, Adadelta, Adam, AdamW, AMSGrad, NAdam, Adamax, Lion,
// Polyak, Armijo, LBFGS or GDGradSq. A zero field means the default its tag
// names (spec.Zero asks for an exact zero where the default is not zero);
// New builds the optimizer. Each field's struct tags are the one place its
// spec key, default, valid range and description are written; pkg/spec's
// codec reads them for Parse, String, Validate and the listings. The CLI's
// "name:key=value" specs parse into these types (Parse) and print back
// (String).
type Config interface {
	// Method returns the method's registered name, as written in specs.
	Method() string
	// Validate returns an error naming the first field outside its range.
	Validate() error
	// String formats the configuration as a spec that Parse reads back,
	// listing the fields that differ from their defaults.
	String() string
}

// Clip is the gradient clipping every method accepts; zero fields turn it off.
type Clip struct {
	// Value clips each gradient entry to [−Value, Value].
	Value float64 `spec:"clip_value" range:"[0,inf)" doc:"clip each gradient entry to [−v, v] (0: off)"`
	// Norm rescales the gradients to a global L2 norm of at most Norm, as
	// torch.nn.utils.clip_grad_norm_.
	Norm float64 `spec:"clip_norm" range:"[0,inf)" doc:"rescale gradients to global L2 norm ≤ v (0: off)"`
}

// WithDefaults returns c with every zero field set to its default (and every
// explicit zero kept as spec.Zero), so all values are visible.
func WithDefaults(c Config) Config { return spec.Resolved(c.Method(), c) }

// params returns c's resolved values by spec key (flags as 0 or 1).
func params(c Config) map[string]float64 { return spec.Values(c) }

// validate checks every field of c against its range tag, naming the spec
// key and the Go field.
func validate(c Config) error { return spec.Check("optimizer", c.Method(), c) }

// format prints c as a spec, keys in declaration order, defaults left out.
func format(c Config) string { return spec.Encode(c.Method(), c) }

// Parse reads a spec such as "adam:lr=1e-3,beta1=0.9" into its typed
// configuration, with every field resolved (WithDefaults). Unknown methods or
// keys and out-of-range values are errors naming the key and its range;
// booleans accept true/false; aliases (learning_rate, wd, mu, m) are accepted.
func Parse(s string) (Config, error) {
	sp, err := spec.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("optimizer: %w", err)
	}
	info, err := Lookup(sp.Name)
	if err != nil {
		return nil, err
	}
	sp.Name = info.Name
	if sp, err = canonicalKeys(sp); err != nil {
		return nil, err
	}
	ptr := reflect.New(reflect.TypeOf(info.New()))
	if err := spec.Decode(sp, "optimizer", ptr.Interface()); err != nil {
		return nil, err
	}
	c := WithDefaults(ptr.Elem().Interface().(Config))
	return c, c.Validate()
}

// canonicalKeys renames aliased keys (wd → weight_decay).
func canonicalKeys(sp spec.Spec) (spec.Spec, error) {
	out := spec.Spec{Name: sp.Name, Values: map[string]string{}}
	for _, k := range sp.Keys {
		canon := k
		if a, ok := aliases[k]; ok {
			canon = a
		}
		if _, dup := out.Values[canon]; dup {
			return out, fmt.Errorf("optimizer %s: %s given twice (as %s and an alias)", sp.Name, canon, k)
		}
		out.Keys = append(out.Keys, canon)
		out.Values[canon] = sp.Values[k]
	}
	return out, nil
}

// MustParse is Parse for tests and examples: it panics on error.
func MustParse(s string) Config {
	c, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return c
}
