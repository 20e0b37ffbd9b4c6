package optim

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Config is the typed configuration of one method: GD, Momentum, Nesterov,
// AdaGrad, RMSprop, Adadelta, Adam, AdamW, AMSGrad, NAdam, Adamax, Lion,
// Polyak, Armijo or LBFGS. A zero field means the default its documentation
// names; New builds the optimizer. The CLI's "name:key=value" specs parse into
// these types (Parse) and print back (String).
type Config interface {
	// Method returns the method's registered name, as written in specs.
	Method() string
	// Validate returns an error naming the first field outside its range.
	Validate() error
	// String formats the configuration as a spec that Parse reads back,
	// listing the fields that differ from their defaults.
	String() string
}

// Zero asks for an exact zero in a field whose zero value means a non-zero
// default (Adam's Beta1, AdamW's WeightDecay, …): it is −0.0, numerically
// zero. Parse returns it for such fields given as 0.
var Zero = math.Copysign(0, -1)

// Clip is the gradient clipping every method accepts; zero fields turn it off.
type Clip struct {
	// Value clips each gradient entry to [−Value, Value]. Default 0 (off).
	Value float64 `spec:"clip_value"`
	// Norm rescales the gradients to a global L2 norm of at most Norm, as
	// torch.nn.utils.clip_grad_norm_. Default 0 (off).
	Norm float64 `spec:"clip_norm"`
}

// field is one spec key of a configuration: its Go field and its metadata.
type field struct {
	goName string
	param  Param
	value  reflect.Value
}

// fields lists c's spec keys in declaration order (embedded Clip last). ptr
// must be a pointer to a configuration struct when values are to be set.
func fields(method string, v reflect.Value) []field {
	return fieldsIn(method, v, v.Type().Name())
}

// fieldsIn is fields for a struct named prefix (GD, GD.Clip).
func fieldsIn(method string, v reflect.Value, prefix string) []field {
	info := methods[method]
	byName := map[string]Param{}
	for _, p := range append(append([]Param(nil), info.Params...), commonParams...) {
		byName[p.Name] = p
	}
	var out []field
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, fieldsIn(method, v.Field(i), prefix+"."+f.Name)...)
			continue
		}
		key := f.Tag.Get("spec")
		p, ok := byName[key]
		if !ok {
			panic(fmt.Sprintf("optim: %s.%s has spec key %q, which method %s does not declare", prefix, f.Name, key, method))
		}
		out = append(out, field{goName: prefix + "." + f.Name, param: p, value: v.Field(i)})
	}
	return out
}

// get returns the field's value as a float64, before defaults.
func (f field) get() float64 {
	switch f.value.Kind() {
	case reflect.Bool:
		if f.value.Bool() {
			return 1
		}
		return 0
	case reflect.Int:
		return float64(f.value.Int())
	}
	return f.value.Float()
}

// set stores x (a resolved value) in the field, writing Zero for an exact zero
// where the zero value means a non-zero default.
func (f field) set(x float64) {
	switch f.value.Kind() {
	case reflect.Bool:
		f.value.SetBool(x != 0)
	case reflect.Int:
		f.value.SetInt(int64(x))
	default:
		if x == 0 && f.param.Default != 0 {
			x = Zero
		}
		f.value.SetFloat(x)
	}
}

// resolved is the value the method uses: the default for a zero field, 0 for
// Zero, the field's value otherwise.
func (f field) resolved() float64 {
	x := f.get()
	if x == 0 && !math.Signbit(x) {
		return f.param.Default
	}
	return x + 0 // −0 → +0
}

// structOf returns an addressable copy of c's struct.
func structOf(c Config) reflect.Value {
	v := reflect.New(reflect.TypeOf(c)).Elem()
	v.Set(reflect.ValueOf(c))
	return v
}

// WithDefaults returns c with every zero field set to its default (and every
// explicit zero written as Zero), so all values are visible.
func WithDefaults(c Config) Config {
	v := structOf(c)
	for _, f := range fields(c.Method(), v) {
		f.set(f.resolved())
	}
	return v.Interface().(Config)
}

// params returns c's resolved values by spec key.
func params(c Config) map[string]float64 {
	out := map[string]float64{}
	for _, f := range fields(c.Method(), structOf(c)) {
		out[f.param.Name] = f.resolved()
	}
	return out
}

// validate checks every field of c against its range, naming the spec key
// and the Go field.
func validate(c Config) error {
	for _, f := range fields(c.Method(), structOf(c)) {
		x := f.resolved()
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("optimizer %s: %s=%v is not a finite number (field %s)", c.Method(), f.param.Name, x, f.goName)
		}
		if err := f.param.check(c.Method(), x); err != nil {
			return fmt.Errorf("%w (field %s)", err, f.goName)
		}
	}
	return nil
}

// format prints c as a spec, keys in declaration order, defaults left out.
func format(c Config) string {
	sp := spec.Spec{Name: c.Method(), Values: map[string]string{}}
	for _, f := range fields(c.Method(), structOf(c)) {
		if x := f.resolved(); x != f.param.Default {
			sp.Keys = append(sp.Keys, f.param.Name)
			if f.param.Bool {
				sp.Values[f.param.Name] = fmt.Sprint(x == 1)
			} else {
				sp.Values[f.param.Name] = fmt.Sprintf("%g", x)
			}
		}
	}
	return sp.String()
}

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
	v := reflect.New(reflect.TypeOf(info.New())).Elem()
	fs := fields(info.Name, v)
	for _, k := range sp.Keys {
		f, err := fieldFor(info.Name, fs, k)
		if err != nil {
			return nil, err
		}
		x, err := parseValue(info.Name, f.param, k, sp.Values[k])
		if err != nil {
			return nil, err
		}
		f.set(x)
	}
	c := WithDefaults(v.Interface().(Config))
	return c, c.Validate()
}

// fieldFor finds the field of spec key k (or its alias).
func fieldFor(method string, fs []field, k string) (field, error) {
	canon := k
	if a, ok := aliases[k]; ok {
		canon = a
	}
	var valid []string
	for _, f := range fs {
		if f.param.Name == canon {
			return f, nil
		}
		valid = append(valid, f.param.Name)
	}
	return field{}, fmt.Errorf("optimizer %s: unknown parameter %q (valid: %s)", method, k, strings.Join(valid, ", "))
}

// parseValue converts a spec value: true/false for flags, a finite number
// otherwise, an integer for integer fields.
func parseValue(method string, p Param, k, raw string) (float64, error) {
	if p.Bool {
		b, err := spec.Bool(k, raw)
		if err != nil {
			return 0, fmt.Errorf("optimizer %s: %w", method, err)
		}
		if b {
			return 1, nil
		}
		return 0, nil
	}
	x, err := spec.Float(k, raw)
	if err != nil {
		return 0, fmt.Errorf("optimizer %s: %w", method, err)
	}
	if p.Int && x != math.Trunc(x) {
		return 0, fmt.Errorf("optimizer %s: %s=%v must be a whole number", method, k, x)
	}
	return x, nil
}
